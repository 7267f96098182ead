import { describe, expect, it } from '@jest/globals';
import { acceptsGzip } from '../src/index.js';

describe('acceptsGzip', () => {
  it("takes gzip when a browser's Accept-Encoding lists it", () => {
    expect(acceptsGzip('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsGzip('br;q=1.0, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
  });

  it('sends the page as it is without the header, for identity only, or when gzip is refused', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('gzip;q=0.000, *')).toBe(false);
    expect(acceptsGzip('*, gzip;q=0')).toBe(false);
    expect(acceptsGzip('*;q=0')).toBe(false);
  });

  it('reads a malformed header as not allowing gzip rather than failing', () => {
    expect(acceptsGzip(';;;,,,')).toBe(false);
    expect(acceptsGzip('gzip;q=abc')).toBe(false);
  });
});
