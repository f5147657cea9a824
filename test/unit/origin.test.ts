import { describe, expect, it } from 'vitest';
import { isAllowedOrigin } from '../../api/src/server/origin.ts';

describe('isAllowedOrigin', () => {
  it('allows callers that are not browsers, the OC itself and configured origins', () => {
    expect(isAllowedOrigin(undefined, 'oc:4000', [])).toBe(true);
    expect(isAllowedOrigin('http://oc:4000', 'oc:4000', [])).toBe(true);
    expect(isAllowedOrigin('https://OC:4000', 'oc:4000', [])).toBe(true);
    expect(isAllowedOrigin('https://ops.example', 'oc:4000', ['https://ops.example'])).toBe(true);
  });

  it('treats every other origin, and origins that do not parse, as foreign', () => {
    for (const origin of ['null', 'x', 'http://[', '', 'file:///etc', 'http://oc:4001', 'http://evil.example', 'javascript:alert(1)']) {
      expect(isAllowedOrigin(origin, 'oc:4000', ['https://ops.example']), origin).toBe(false);
    }
    expect(isAllowedOrigin('http://oc:4000', undefined, [])).toBe(false);
  });
});
