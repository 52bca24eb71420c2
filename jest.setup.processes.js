// integration, e2e and terraform suites start processes, emulators and terraform: on a loaded 2-core
// machine one step can take tens of seconds, so a test or hook (afterAll stopping pipelines) that names
// no timeout gets two minutes, not jest's 5 s. Tests still name their own where they expect longer.
jest.setTimeout(120_000);
