import {describe, expect, it} from "vitest";
import {float16ArrayToFloat32, float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits} from "./float16.js";

describe("float16", () => {
  it("encodes known values with round-to-nearest-even", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up past the largest finite half
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // a tie rounds to even (zero)
      [3 * 2 ** -25, 0x0002], // a tie between 1 and 2 subnormal steps rounds to even
      [2 ** -14, 0x0400], // smallest normal
      [1 + 2 ** -11, 0x3c00], // tie -> even mantissa
      [1 + 3 * 2 ** -11, 0x3c02], // tie -> even mantissa (up)
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
      [1e-8, 0x0000]
    ];
    for (const [value, bits] of cases) expect([value, float32ToFloat16Bits(value)]).toEqual([value, bits]);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it("round-trips every non-NaN half exactly", () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const back = float32ArrayToFloat16(float16ArrayToFloat32(halves));
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) expect(Number.isNaN(float16BitsToFloat32(h))).toBe(true);
      else if (back[h] !== h) expect([h, back[h]]).toEqual([h, h]);
    }
  });

  it("matches the nearest half for random floats", () => {
    let seed = 7;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 200;
    for (let i = 0; i < 2000; i++) {
      const value = Math.fround(next());
      const bits = float32ToFloat16Bits(value);
      const error = Math.abs(float16BitsToFloat32(bits) - value);
      for (const neighbour of [bits - 1, bits + 1])
        expect(error).toBeLessThanOrEqual(Math.abs(float16BitsToFloat32(neighbour) - value));
    }
  });
});
