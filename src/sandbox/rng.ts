/** A small seeded PRNG (mulberry32): the same seed gives the same latencies, faults and ids. */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A Zoom-looking 22-character id (like `zJKyaiAyTNC-MWjiWC18KQ`) drawn from `rng`. */
export function randomId(rng: Rng): string {
  let id = "";
  for (let i = 0; i < 22; i++) id += ID_CHARS[Math.floor(rng() * 64)];
  return id;
}
