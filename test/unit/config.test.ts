import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../bin/config.ts';

describe('configuration from the environment', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toMatchObject({ PORT: 3000, DATA_DIR: './data', ENGINE: 'local' });
  });
  it('names the variable and the value it refuses', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ ENGINE: 'temporal' })).toThrow(/ENGINE/);
  });
});
