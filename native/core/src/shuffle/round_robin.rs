//! Where Spark's round robin starts in a map task: `new XORShiftRandom(partitionId).nextInt(n)`
//! (`ShuffleExchangeExec`), so that each reduce partition receives as many rows as in Spark.

/// Spark's `XORShiftRandom`: its seed hashed with Scala's `MurmurHash3.bytesHash`, then
/// xorshift steps behind `java.util.Random`'s `nextInt(bound)`.
struct XorShiftRandom {
    seed: i64,
}

/// Scala's `MurmurHash3.arraySeed`.
const ARRAY_SEED: u32 = 0x3c07_4a61;

impl XorShiftRandom {
    fn new(init: i64) -> Self {
        // `XORShiftRandom.hashSeed`: the long's big-endian bytes hashed twice.
        let bytes = init.to_be_bytes();
        let low = murmur3_bytes(&bytes, ARRAY_SEED);
        let high = murmur3_bytes(&bytes, low);
        Self { seed: ((high as u64) << 32 | low as u64) as i64 }
    }

    fn next(&mut self, bits: u32) -> i32 {
        let mut next = self.seed ^ (self.seed << 21);
        next ^= ((next as u64) >> 35) as i64;
        next ^= next << 4;
        self.seed = next;
        (next & ((1i64 << bits) - 1)) as i32
    }

    /// `java.util.Random.nextInt(bound)`.
    fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            return ((bound as i64 * r as i64) >> 31) as i32;
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }
}

/// Scala's `MurmurHash3.bytesHash`: 32-bit murmur3 over little-endian words.
fn murmur3_bytes(data: &[u8], seed: u32) -> u32 {
    let mix_last = |h: u32, k: u32| h ^ k.wrapping_mul(0xcc9e_2d51).rotate_left(15).wrapping_mul(0x1b87_3593);
    let mut chunks = data.chunks_exact(4);
    let mut h = seed;
    for chunk in &mut chunks {
        let k = u32::from_le_bytes(chunk.try_into().expect("four bytes"));
        h = mix_last(h, k).rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let k = tail.iter().rev().fold(0u32, |k, &b| (k << 8) | b as u32);
        h = mix_last(h, k);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The position before a map task's first row: rows then go to partitions `position + 1`,
/// `position + 2`, ... modulo `num_partitions`.
pub fn start_position(partition_id: i32, num_partitions: i32) -> i32 {
    XorShiftRandom::new(partition_id as i64).next_int(num_partitions)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values of Spark 3.5.9's `new XORShiftRandom(p).nextInt(n)`.
    #[test]
    fn starts_where_spark_starts() {
        let ns = [1, 2, 7, 8, 200, 1_000_000_007];
        let expected: [(i32, [i32; 6]); 8] = [
            (0, [0, 0, 2, 1, 28, 520_798_028]),
            (1, [0, 0, 5, 1, 103, 512_468_703]),
            (2, [0, 1, 1, 7, 28, 447_153_120]),
            (3, [0, 1, 6, 5, 47, 560_776_440]),
            (7, [0, 0, 1, 3, 160, 891_331_960]),
            (100, [0, 0, 4, 2, 5, 571_187_005]),
            (12_345, [0, 1, 5, 4, 145, 298_787_138]),
            (i32::MAX, [0, 0, 2, 3, 80, 845_631_880]),
        ];
        for (p, starts) in expected {
            let actual: Vec<i32> = ns.iter().map(|&n| start_position(p, n)).collect();
            assert_eq!(actual, starts, "partition {p}");
        }
    }
}
