export function terraformEnv(): { available: boolean; reason?: string; env: NodeJS.ProcessEnv; mirror?: string };
