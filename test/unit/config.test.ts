import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, poolPerProcess } from '../../bin/config.ts';

describe('configuration from the environment', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toMatchObject({ PORT: 3000, DATA_DIR: './data', ENGINE: 'local' });
  });
  it('names the variable and the value it refuses', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ ENGINE: 'temporal' })).toThrow(/ENGINE/);
  });
  it('splits DB_POOL_SIZE among the server processes, at least 2 each', () => {
    expect(poolPerProcess(loadConfig({}))).toBe(20);
    expect(poolPerProcess(loadConfig({ SERVER_PROCESSES: '2' }))).toBe(10);
    expect(poolPerProcess(loadConfig({ SERVER_PROCESSES: '3', DB_POOL_SIZE: '20' }))).toBe(7);
    expect(poolPerProcess(loadConfig({ SERVER_PROCESSES: '16', DB_POOL_SIZE: '20' }))).toBe(2);
  });
});
