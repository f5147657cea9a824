import { describe, expect, it } from 'vitest';
import { validateContentName, validateContentVersion } from '../../api/src/modules/content/content.rules.ts';

describe('content names', () => {
  it.each(['hotfix-1.2.jar', 'app.conf', '.env', 'Server Config.xml', 'ümlaut.txt', 'a'.repeat(255)])('accepts the file name %j', (name) => {
    expect(validateContentName(name)).toBe(name);
  });

  it.each([
    ['', 'must not be empty'],
    ['../passwd', 'without "/"'],
    ['a/b', 'without "/"'],
    ['a\\b', 'without "/"'],
    ['..', 'must not contain ".."'],
    ['a..b', 'must not contain ".."'],
    ['tab\there', 'control or invisible'],
    ['zero\u200bwidth', 'control or invisible'],
    [' padded', 'spaces'],
    ['é'.repeat(128), 'at most 255 bytes'],
  ])('refuses %j', (name, reason) => {
    expect(() => validateContentName(name)).toThrow(reason);
  });
});

describe('content versions', () => {
  it.each(['1', '1.2.3', '1.2.3-rc.1+build.5', '2024~1', 'v7_final'])('accepts %j', (version) => {
    expect(validateContentVersion(version)).toBe(version);
  });

  it.each(['', '-1', '1 2', '../1', '1/2', 'x'.repeat(101)])('refuses %j', (version) => {
    expect(() => validateContentVersion(version)).toThrow();
  });
});
