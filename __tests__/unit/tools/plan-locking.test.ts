import { main as plan } from '../../../tools/commands/plan';
import { prepareStack, terraformWithCode } from '../../../tools/stack-workdir';
import { terraform } from '../../../tools/offline-terraform';

jest.mock('../../../tools/stack-workdir', () => ({ prepareStack: jest.fn(), terraformWithCode: jest.fn() }));
jest.mock('../../../tools/offline-terraform', () => ({ terraform: jest.fn() }));

const emptyPlan = JSON.stringify({ format_version: '1.2', resource_changes: [] });

/** Which lock flags `npm run plan` hands terraform: review and drift plans take no lock, deploy plans wait for one. */
describe('npm run plan: state locking', () => {
  let err = '';
  beforeEach(() => {
    err = '';
    jest.clearAllMocks();
    jest.mocked(prepareStack).mockResolvedValue({ dir: '/tmp/stack', env: {} } as never);
    jest.mocked(terraformWithCode).mockResolvedValue({ code: 0, stdout: '', stderr: '' } as never);
    jest.mocked(terraform).mockResolvedValue(emptyPlan);
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  });
  afterEach(() => jest.restoreAllMocks());

  const planArgs = () => jest.mocked(terraformWithCode).mock.calls.at(-1)![0] as string[];

  it.each([
    [['--no-lock'], ['-lock=false']],
    [['--lock-timeout', '10m'], ['-lock-timeout=10m']],
    [[], []],
  ])('%j → terraform plan %j', async (flags, expected) => {
    expect(await plan(['--env', 'prod', '--out', '/tmp/plan-lock-test.md', ...flags])).toBe(0);
    expect(planArgs().filter((a) => a.startsWith('-lock'))).toEqual(expected);
  });

  it.each([
    [['--lock-timeout', 'soon'], '--lock-timeout takes a duration such as 30s, 10m or 1h (got "soon")'],
    [['--lock-timeout', '10m', '--no-lock'], '--no-lock and --lock-timeout exclude each other'],
  ])('refuses %j before touching terraform', async (flags, message) => {
    expect(await plan(['--env', 'prod', ...flags])).toBe(1);
    expect(err).toContain(message);
    expect(terraformWithCode).not.toHaveBeenCalled();
  });
});
