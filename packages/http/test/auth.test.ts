import { describe, expect, it } from '@jest/globals';
import { bearerTokenMatches } from '../src/index.js';

const TOKEN = 's3cret-T0ken';

describe('bearerTokenMatches', () => {
  it.each([
    ['Bearer s3cret-T0ken'],
    ['bearer s3cret-T0ken'],
    ['BEARER s3cret-T0ken'],
    ['  Bearer   s3cret-T0ken  '],
    ['Bearer\ts3cret-T0ken'],
  ])('accepts %j', (header) => {
    expect(bearerTokenMatches(header, TOKEN)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and a space', 'Bearer '],
    ['the token alone', 's3cret-T0ken'],
    ['another scheme', 'Basic s3cret-T0ken'],
    ['a scheme without a space', 'Bearers3cret-T0ken'],
    ['a wrong token', 'Bearer s3cret-T0kem'],
    ['a prefix of the token', 'Bearer s3cret'],
    ['the token and more', 'Bearer s3cret-T0ken2'],
    ['the token in another case', 'Bearer S3CRET-T0KEN'],
    ['two tokens', 'Bearer s3cret-T0ken s3cret-T0ken'],
  ])('refuses %s', (_what, header) => {
    expect(bearerTokenMatches(header, TOKEN)).toBe(false);
  });

  it('never matches an empty token, whatever is presented', () => {
    expect(bearerTokenMatches('Bearer ', '')).toBe(false);
    expect(bearerTokenMatches('Bearer x', '')).toBe(false);
  });

  it('compares tokens of any length and content, unicode included', () => {
    const long = 'x'.repeat(10_000);
    expect(bearerTokenMatches(`Bearer ${long}`, long)).toBe(true);
    expect(bearerTokenMatches(`Bearer ${long}`, `${long}y`)).toBe(false);
    expect(bearerTokenMatches('Bearer clé-ünïcode', 'clé-ünïcode')).toBe(true);
  });
});
