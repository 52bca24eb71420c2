import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, forward, listenOnLoopback, readBody, reply } from './loopback-server';

/** s3rver stores `<key>._S3rver_metadata.json` as one file name: 255 bytes at most on common filesystems. */
export const MAX_KEY_SEGMENT_BYTES = 255 - Buffer.byteLength('._S3rver_metadata.json');

/**
 * Why s3rver cannot store a key faithfully, or undefined. It maps keys to file paths: `..` segments
 * write outside its folder, `.` and `x/..` alias other keys, an empty segment (`a//b`) is answered 404,
 * control characters break its listings (500), and a segment too long for a file name kills it.
 * AWS stores all of these as they are; locally they are refused with this reason, never aliased.
 */
export function unsupportedKeyReason(key: string): string | undefined {
  const segments = key.split('/');
  if (segments.some((s) => s === '..')) return 'a ".." path segment (the emulator would write outside its data folder)';
  if (segments.some((s) => s === '.')) return 'a "." path segment (the emulator would store it as another key)';
  if (key.startsWith('/') || segments.slice(0, -1).some((s) => s === ''))
    return 'an empty path segment ("//" or a leading "/": the emulator cannot read it back)';
  // XML 1.0 cannot carry these (tab, newline and carriage return it can): s3rver's listing answers 500.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this check's whole purpose
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(key))
    return 'a control character XML cannot carry (the emulator cannot list it)';
  const long = segments.find((s) => Buffer.byteLength(s) > MAX_KEY_SEGMENT_BYTES);
  if (long !== undefined)
    return `a path segment of ${Buffer.byteLength(long)} bytes (the emulator stores each segment as a file name: at most ${MAX_KEY_SEGMENT_BYTES} bytes here)`;
  return undefined;
}

const xmlEscape = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Bucket and decoded key of a path-style request (`/bucket/key`), or undefined for service or bucket requests. */
function objectOf(url: string): { bucket: string; key: string } | undefined {
  const path = url.split('?')[0]!;
  const slash = path.indexOf('/', 1);
  if (slash < 0 || slash === path.length - 1) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(path.slice(slash + 1));
  } catch {
    return undefined;
  }
  return { bucket: decodeURIComponent(path.slice(1, slash)), key };
}

/**
 * A guard in front of the local S3 emulator, where every client (the functions' IAM proxies, the
 * operator commands, any S3 client of the developer's) reaches it: keys s3rver cannot store
 * faithfully are refused with a clear local-emulator error, and writes to one key are serialized
 * (s3rver writes a PUT's files non-atomically: two at once leave bytes that match neither upload).
 */
export class S3Guard {
  private server?: Server;
  private target?: URL;
  private readonly writes = new Map<string, Promise<unknown>>();

  public async start(target: string, port = 0): Promise<string> {
    this.target = new URL(target);
    this.server = createServer((req, res) => void this.handle(req, res).catch((e: Error) => reply(res, e)));
    return listenOnLoopback(this.server, port);
  }

  public async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const object = objectOf(req.url ?? '/');
    const writes = method === 'PUT' || method === 'POST' || method === 'DELETE';
    if (object && writes) {
      const why = unsupportedKeyReason(object.key);
      if (why) return this.refuse(res, object.key, why, method);
    }
    const body = await readBody(req);
    if (!object || !writes) return reply(res, await forward(this.target!, req, body));
    const id = `${object.bucket}/${object.key}`;
    const previous = this.writes.get(id) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => forward(this.target!, req, body));
    this.writes.set(id, mine);
    try {
      reply(res, await mine);
    } finally {
      if (this.writes.get(id) === mine) this.writes.delete(id);
    }
  }

  private refuse(res: ServerResponse, key: string, why: string, method: string): void {
    const message = `Local emulator: the key ${JSON.stringify(key)} cannot be stored faithfully by s3rver: it has ${why}. AWS S3 would accept it; use another key locally.`;
    res.writeHead(400, { 'content-type': 'application/xml', 'x-amz-request-id': `LOCALGUARD${Date.now().toString(16).toUpperCase()}` });
    res.end(
      method === 'HEAD'
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>LocalEmulatorUnsupportedKey</Code><Message>${xmlEscape(message)}</Message></Error>`,
    );
  }
}
