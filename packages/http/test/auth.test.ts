import { describe, expect, it } from '@jest/globals';
import { basicPasswordMatches, bearerTokenMatches, tokenMatches } from '../src/index.js';

const TOKEN = 's3cret-T0ken';

describe('bearerTokenMatches', () => {
  it.each([['Bearer s3cret-T0ken'], ['bearer s3cret-T0ken'], ['BEARER s3cret-T0ken'], ['  Bearer   s3cret-T0ken  '], ['Bearer\ts3cret-T0ken']])('accepts %j', (header) => {
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

function basic(credentials: string, encoding: BufferEncoding = 'utf8'): string {
  return `Basic ${Buffer.from(credentials, encoding).toString('base64')}`;
}

describe('basicPasswordMatches', () => {
  it.each([
    ['a user name', basic('alice:s3cret-T0ken')],
    ['an empty user name', basic(':s3cret-T0ken')],
    ['another user name', basic('root:s3cret-T0ken')],
    ['the scheme in lower case and spaces around', `  basic   ${Buffer.from('x:s3cret-T0ken').toString('base64')}  `],
  ])('accepts %s', (_what, header) => {
    expect(basicPasswordMatches(header, TOKEN)).toBe(true);
  });

  it('accepts a password with colons and unicode, the first colon ending the user name', () => {
    expect(basicPasswordMatches(basic('u:a:b:c'), 'a:b:c')).toBe(true);
    expect(basicPasswordMatches(basic('ü:clé'), 'clé')).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['the scheme alone', 'Basic'],
    ['a wrong password', basic('alice:s3cret-T0kem')],
    ['the token as the user name', basic('s3cret-T0ken:')],
    ['the token and no colon', basic('s3cret-T0ken')],
    ['the token not encoded', 'Basic s3cret-T0ken'],
    ['the token after a colon, not encoded', 'Basic :s3cret-T0ken'],
    ['base64 without its padding', `Basic ${basic(':s3cret-T0ken').slice(6).replace(/=+$/, '')}`],
    ['characters outside base64', `Basic ${basic(':s3cret-T0ken').slice(6)}!`],
    ['two credentials', `${basic(':s3cret-T0ken')} ${basic(':s3cret-T0ken').slice(6)}`],
    ['bytes that are not UTF-8', `Basic ${Buffer.concat([Buffer.from(':s3cret-T0ken'), Buffer.from([0xff])]).toString('base64')}`],
    ['a bearer token', 'Bearer s3cret-T0ken'],
  ])('refuses %s', (_what, header) => {
    expect(basicPasswordMatches(header, TOKEN)).toBe(false);
  });

  it('never matches an empty token', () => {
    expect(basicPasswordMatches(basic('u:'), '')).toBe(false);
  });
});

describe('tokenMatches', () => {
  it('takes the token as a bearer token or a Basic password, and nothing else', () => {
    expect(tokenMatches('Bearer s3cret-T0ken', TOKEN)).toBe(true);
    expect(tokenMatches(basic('me:s3cret-T0ken'), TOKEN)).toBe(true);
    expect(tokenMatches(basic('me:nope'), TOKEN)).toBe(false);
    expect(tokenMatches('Bearer nope', TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });
});
