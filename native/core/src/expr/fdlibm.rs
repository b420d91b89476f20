//! The fdlibm 5.3 algorithms behind Java's `StrictMath` (which Spark's `exp`, `ln`, `log10`,
//! `log2`, `log1p`, `log(base, x)` and `pow` call), step for step, so that every result has the
//! JVM's bits: a correctly rounded or a platform `libm` result differs in the last bit for some
//! inputs. Each function keeps fdlibm's order of operations and its constants (given in hex,
//! their exact values); word access replaces fdlibm's pointer aliasing.

/// The high 32 bits of `x`, signed, as fdlibm's `__HI`.
fn hi(x: f64) -> i32 {
    (x.to_bits() >> 32) as i32
}

/// The low 32 bits of `x`, as fdlibm's `__LO`.
fn lo(x: f64) -> i32 {
    x.to_bits() as i32
}

/// `x` with its high word replaced.
fn with_hi(x: f64, high: i32) -> f64 {
    f64::from_bits((x.to_bits() & 0xffff_ffff) | ((high as u32 as u64) << 32))
}

/// `x` with its low word replaced.
fn with_lo(x: f64, low: i32) -> f64 {
    f64::from_bits((x.to_bits() & 0xffff_ffff_0000_0000) | low as u32 as u64)
}

fn from_words(high: i32, low: i32) -> f64 {
    f64::from_bits(((high as u32 as u64) << 32) | low as u32 as u64)
}

const TWO54: f64 = 18014398509481984.0;
const LN2_HI: f64 = f64::from_bits(0x3fe62e42fee00000);
const LN2_LO: f64 = f64::from_bits(0x3dea39ef35793c76);
const INV_LN2: f64 = f64::from_bits(0x3ff71547652b82fe);

/// `StrictMath.exp` (fdlibm `e_exp.c`).
pub fn exp(x: f64) -> f64 {
    const HUGE: f64 = 1.0e300;
    const TWO_M1000: f64 = f64::from_bits(0x0170000000000000);
    const O_THRESHOLD: f64 = f64::from_bits(0x40862e42fefa39ef);
    const U_THRESHOLD: f64 = f64::from_bits(0xc0874910d52d3051);
    const P1: f64 = f64::from_bits(0x3fc555555555553e);
    const P2: f64 = f64::from_bits(0xbf66c16c16bebd93);
    const P3: f64 = f64::from_bits(0x3f11566aaf25de2c);
    const P4: f64 = f64::from_bits(0xbebbbd41c5d26bf1);
    const P5: f64 = f64::from_bits(0x3e66376972bea4d0);
    let mut x = x;
    let mut hx = hi(x);
    let xsb = (hx >> 31) & 1;
    hx &= 0x7fff_ffff;
    let sign = (1 - 2 * xsb) as f64;
    let ln2_lo = LN2_LO * sign;
    if hx >= 0x4086_2e42 {
        if hx >= 0x7ff0_0000 {
            if ((hx & 0xfffff) | lo(x)) != 0 {
                return x + x;
            }
            return if xsb == 0 { x } else { 0.0 };
        }
        if x > O_THRESHOLD {
            return f64::INFINITY;
        }
        if x < U_THRESHOLD {
            return 0.0;
        }
    }
    let (mut hi_part, mut lo_part, mut k) = (0.0, 0.0, 0i32);
    if hx > 0x3fd6_2e42 {
        if hx < 0x3ff0_a2b2 {
            hi_part = x - LN2_HI * sign;
            lo_part = ln2_lo;
            k = 1 - xsb - xsb;
        } else {
            k = (INV_LN2 * x + 0.5 * sign) as i32;
            let t = k as f64;
            hi_part = x - t * LN2_HI;
            lo_part = t * LN2_LO;
        }
        x = hi_part - lo_part;
    } else if hx < 0x3e30_0000 {
        if HUGE + x > 1.0 {
            return 1.0 + x;
        }
    }
    let t = x * x;
    let c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if k == 0 {
        return 1.0 - ((x * c) / (c - 2.0) - x);
    }
    let y = 1.0 - ((lo_part - (x * c) / (2.0 - c)) - hi_part);
    if k >= -1021 {
        with_hi(y, hi(y).wrapping_add(k << 20))
    } else {
        with_hi(y, hi(y).wrapping_add((k + 1000) << 20)) * TWO_M1000
    }
}

/// What `log` and `log10` start with: `x` (subnormals scaled by 2^54), the fraction bits of its
/// high word and its binary exponent; or the result for zeros, negatives, infinities and NaN.
fn split_exponent(x: f64) -> Result<(f64, i32, i32), f64> {
    let (mut x, mut hx, mut k) = (x, hi(x), 0i32);
    if hx < 0x0010_0000 {
        if ((hx & 0x7fff_ffff) | lo(x)) == 0 {
            return Err(f64::NEG_INFINITY);
        }
        if hx < 0 {
            return Err(f64::NAN);
        }
        k -= 54;
        x *= TWO54;
        hx = hi(x);
    }
    if hx >= 0x7ff0_0000 {
        return Err(x + x);
    }
    Ok((x, hx & 0x000f_ffff, k + (hx >> 20) - 1023))
}

/// `StrictMath.log` (fdlibm `e_log.c`).
pub fn log(x: f64) -> f64 {
    const LG1: f64 = f64::from_bits(0x3fe5555555555593);
    const LG2: f64 = f64::from_bits(0x3fd999999997fa04);
    const LG3: f64 = f64::from_bits(0x3fd2492494229359);
    const LG4: f64 = f64::from_bits(0x3fcc71c51d8e78af);
    const LG5: f64 = f64::from_bits(0x3fc7466496cb03de);
    const LG6: f64 = f64::from_bits(0x3fc39a09d078c69f);
    const LG7: f64 = f64::from_bits(0x3fc2f112df3e5244);
    let (mut x, hx, mut k) = match split_exponent(x) {
        Ok(parts) => parts,
        Err(special) => return special,
    };
    let i = (hx + 0x9_5f64) & 0x10_0000;
    x = with_hi(x, hx | (i ^ 0x3ff0_0000));
    k += i >> 20;
    let f = x - 1.0;
    if (0x000f_ffff & (2 + hx)) < 3 {
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            let dk = k as f64;
            return dk * LN2_HI + dk * LN2_LO;
        }
        let r = f * f * (0.5 - 0.33333333333333333 * f);
        if k == 0 {
            return f - r;
        }
        let dk = k as f64;
        return dk * LN2_HI - ((r - dk * LN2_LO) - f);
    }
    let s = f / (2.0 + f);
    let dk = k as f64;
    let z = s * s;
    let w = z * z;
    let i = (hx - 0x6_147a) | (0x6b851 - hx);
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    if i > 0 {
        let hfsq = 0.5 * f * f;
        if k == 0 {
            f - (hfsq - s * (hfsq + r))
        } else {
            dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
        }
    } else if k == 0 {
        f - s * (f - r)
    } else {
        dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f)
    }
}

/// `StrictMath.log10` (fdlibm `e_log10.c`: through `log` of the scaled fraction).
pub fn log10(x: f64) -> f64 {
    const IVLN10: f64 = f64::from_bits(0x3fdbcb7b1526e50e);
    const LOG10_2HI: f64 = f64::from_bits(0x3fd34413509f6000);
    const LOG10_2LO: f64 = f64::from_bits(0x3d59fef311f12b36);
    let (x, hx, k) = match split_exponent(x) {
        Ok(parts) => parts,
        Err(special) => return special,
    };
    let i = ((k as u32) >> 31) as i32;
    let y = (k + i) as f64;
    let x = with_hi(x, hx | ((0x3ff - i) << 20));
    let z = y * LOG10_2LO + IVLN10 * log(x);
    z + y * LOG10_2HI
}

/// `StrictMath.log1p` (fdlibm `s_log1p.c`).
pub fn log1p(x: f64) -> f64 {
    const LP: [f64; 7] = [
        f64::from_bits(0x3fe5555555555593),
        f64::from_bits(0x3fd999999997fa04),
        f64::from_bits(0x3fd2492494229359),
        f64::from_bits(0x3fcc71c51d8e78af),
        f64::from_bits(0x3fc7466496cb03de),
        f64::from_bits(0x3fc39a09d078c69f),
        f64::from_bits(0x3fc2f112df3e5244),
    ];
    let hx = hi(x);
    let ax = hx & 0x7fff_ffff;
    let (mut f, mut c, mut hu, mut k) = (0.0, 0.0, 0i32, 1i32);
    if hx < 0x3fda_827a {
        if ax >= 0x3ff0_0000 {
            return if x == -1.0 { f64::NEG_INFINITY } else { f64::NAN };
        }
        if ax < 0x3e20_0000 {
            if TWO54 + x > 0.0 && ax < 0x3c90_0000 {
                return x;
            }
            return x - x * x * 0.5;
        }
        if hx > 0 || hx <= 0xbfd2_bec3_u32 as i32 {
            k = 0;
            f = x;
            hu = 1;
        }
    }
    if hx >= 0x7ff0_0000 {
        return x + x;
    }
    if k != 0 {
        let mut u;
        if hx < 0x4340_0000 {
            u = 1.0 + x;
            hu = hi(u);
            k = (hu >> 20) - 1023;
            c = if k > 0 { 1.0 - (u - x) } else { x - (u - 1.0) };
            c /= u;
        } else {
            u = x;
            hu = hi(u);
            k = (hu >> 20) - 1023;
            c = 0.0;
        }
        hu &= 0x000f_ffff;
        if hu < 0x6_a09e {
            u = with_hi(u, hu | 0x3ff0_0000);
        } else {
            k += 1;
            u = with_hi(u, hu | 0x3fe0_0000);
            hu = (0x0010_0000 - hu) >> 2;
        }
        f = u - 1.0;
    }
    let hfsq = 0.5 * f * f;
    let dk = k as f64;
    if hu == 0 {
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            c += dk * LN2_LO;
            return dk * LN2_HI + c;
        }
        let r = hfsq * (1.0 - 0.66666666666666666 * f);
        if k == 0 {
            return f - r;
        }
        return dk * LN2_HI - ((r - (dk * LN2_LO + c)) - f);
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * (LP[0] + z * (LP[1] + z * (LP[2] + z * (LP[3] + z * (LP[4] + z * (LP[5] + z * LP[6]))))));
    if k == 0 {
        f - (hfsq - s * (hfsq + r))
    } else {
        dk * LN2_HI - ((hfsq - (s * (hfsq + r) + (dk * LN2_LO + c))) - f)
    }
}

/// `StrictMath.pow` (fdlibm `e_pow.c`, with the JDK's shortcuts for `y` = 2, 0.5 and ±1, which
/// give fdlibm's results).
pub fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 {
        return 1.0;
    }
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    let y_abs = y.abs();
    let mut x_abs = x.abs();
    if y == 2.0 {
        return x * x;
    } else if y == 0.5 {
        if x >= -f64::MAX {
            return (x + 0.0).sqrt();
        }
    } else if y_abs == 1.0 {
        return if y == 1.0 { x } else { 1.0 / x };
    } else if y_abs == f64::INFINITY {
        return if x_abs == 1.0 {
            y - y
        } else if x_abs > 1.0 {
            if y >= 0.0 { y } else { 0.0 }
        } else if y < 0.0 {
            -y
        } else {
            0.0
        };
    }
    let hx = hi(x);
    let mut ix = hx & 0x7fff_ffff;
    // For x < 0: 0 when y is not an integer, 1 when odd, 2 when even.
    let mut y_is_int = 0;
    if hx < 0 {
        if y_abs >= 9007199254740992.0 {
            y_is_int = 2;
        } else if y_abs >= 1.0 {
            let as_long = y_abs as i64;
            if as_long as f64 == y_abs {
                y_is_int = 2 - (as_long & 1) as i32;
            }
        }
    }
    if x_abs == 0.0 || x_abs == f64::INFINITY || x_abs == 1.0 {
        let mut z = x_abs;
        if y < 0.0 {
            z = 1.0 / z;
        }
        if hx < 0 {
            if ((ix - 0x3ff0_0000) | y_is_int) == 0 {
                z = (z - z) / (z - z);
            } else if y_is_int == 1 {
                z = -z;
            }
        }
        return z;
    }
    let mut n = (hx >> 31) + 1;
    if (n | y_is_int) == 0 {
        return f64::NAN;
    }
    let s = if (n | (y_is_int - 1)) == 0 { -1.0 } else { 1.0 };
    let (t1, t2);
    if y_abs > f64::from_bits(0x41e00000ffffffff) {
        const INV_LN2_H: f64 = f64::from_bits(0x3ff7154760000000);
        const INV_LN2_L: f64 = f64::from_bits(0x3e54ae0bf85ddf44);
        if x_abs < f64::from_bits(0x3fefffff00000000) {
            return if y < 0.0 { s * f64::INFINITY } else { s * 0.0 };
        }
        if x_abs > f64::from_bits(0x3ff00000ffffffff) {
            return if y > 0.0 { s * f64::INFINITY } else { s * 0.0 };
        }
        let t = x_abs - 1.0;
        let w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25));
        let u = INV_LN2_H * t;
        let v = t * INV_LN2_L - w * INV_LN2;
        let t1v = with_lo(u + v, 0);
        t1 = t1v;
        t2 = v - (t1v - u);
    } else {
        const CP: f64 = f64::from_bits(0x3feec709dc3a03fd);
        const CP_H: f64 = f64::from_bits(0x3feec709e0000000);
        const CP_L: f64 = f64::from_bits(0xbe3e2fe0145b01f5);
        const DP_H1: f64 = f64::from_bits(0x3fe2b80340000000);
        const DP_L1: f64 = f64::from_bits(0x3e4cfdeb43cfd006);
        const L: [f64; 6] = [
            f64::from_bits(0x3fe3333333333303),
            f64::from_bits(0x3fdb6db6db6fabff),
            f64::from_bits(0x3fd55555518f264d),
            f64::from_bits(0x3fd17460a91d4101),
            f64::from_bits(0x3fcd864a93c9db65),
            f64::from_bits(0x3fca7e284a454eef),
        ];
        n = 0;
        if ix < 0x0010_0000 {
            x_abs *= 9007199254740992.0;
            n -= 53;
            ix = hi(x_abs);
        }
        n += (ix >> 20) - 0x3ff;
        let j = ix & 0x000f_ffff;
        ix = j | 0x3ff0_0000;
        let k = if j <= 0x3988e {
            0
        } else if j < 0xbb67a {
            1
        } else {
            n += 1;
            ix -= 0x0010_0000;
            0
        };
        x_abs = with_hi(x_abs, ix);
        let bp = 1.0 + 0.5 * k as f64;
        let u = x_abs - bp;
        let v = 1.0 / (x_abs + bp);
        let ss = u * v;
        let s_h = with_lo(ss, 0);
        let t_h = from_words(((ix >> 1) | 0x2000_0000) + 0x0008_0000 + (k << 18), 0);
        let t_l = x_abs - (t_h - bp);
        let s_l = v * ((u - s_h * t_h) - s_h * t_l);
        let s2 = ss * ss;
        let mut r = s2 * s2 * (L[0] + s2 * (L[1] + s2 * (L[2] + s2 * (L[3] + s2 * (L[4] + s2 * L[5])))));
        r += s_l * (s_h + ss);
        let s2 = s_h * s_h;
        let t_h = with_lo(3.0 + s2 + r, 0);
        let t_l = r - ((t_h - 3.0) - s2);
        let u = s_h * t_h;
        let v = s_l * t_h + t_l * ss;
        let p_h = with_lo(u + v, 0);
        let p_l = v - (p_h - u);
        let z_h = CP_H * p_h;
        let z_l = CP_L * p_h + p_l * CP + DP_L1 * k as f64;
        let t = n as f64;
        let t1v = with_lo(((z_h + z_l) + DP_H1 * k as f64) + t, 0);
        t1 = t1v;
        t2 = z_l - (((t1v - t) - DP_H1 * k as f64) - z_h);
    }
    // (y1 + y2) * (t1 + t2), y1 being y's high word.
    let y1 = with_lo(y, 0);
    let p_l = (y - y1) * t1 + y * t2;
    let mut p_h = y1 * t1;
    let z = p_l + p_h;
    let j = hi(z);
    let i = lo(z);
    if j >= 0x4090_0000 {
        if ((j - 0x4090_0000) | i) != 0 {
            return s * f64::INFINITY;
        }
        const OVT: f64 = 8.0085662595372944372e-0017;
        if p_l + OVT > z - p_h {
            return s * f64::INFINITY;
        }
    } else if (j & 0x7fff_ffff) >= 0x4090_cc00 {
        if (j.wrapping_sub(0xc090_cc00_u32 as i32) | i) != 0 {
            return s * 0.0;
        }
        if p_l <= z - p_h {
            return s * 0.0;
        }
    }
    const P1: f64 = f64::from_bits(0x3fc555555555553e);
    const P2: f64 = f64::from_bits(0xbf66c16c16bebd93);
    const P3: f64 = f64::from_bits(0x3f11566aaf25de2c);
    const P4: f64 = f64::from_bits(0xbebbbd41c5d26bf1);
    const P5: f64 = f64::from_bits(0x3e66376972bea4d0);
    const LG2: f64 = f64::from_bits(0x3fe62e42fefa39ef);
    const LG2_H: f64 = f64::from_bits(0x3fe62e4300000000);
    const LG2_L: f64 = f64::from_bits(0xbe205c610ca86c39);
    let i = j & 0x7fff_ffff;
    let mut k = (i >> 20) - 0x3ff;
    let mut n = 0;
    if i > 0x3fe0_0000 {
        n = j + (0x0010_0000 >> (k + 1));
        k = ((n & 0x7fff_ffff) >> 20) - 0x3ff;
        let t = from_words(n & !(0x000f_ffff >> k), 0);
        n = ((n & 0x000f_ffff) | 0x0010_0000) >> (20 - k);
        if j < 0 {
            n = -n;
        }
        p_h -= t;
    }
    let t = with_lo(p_l + p_h, 0);
    let u = t * LG2_H;
    let v = (p_l - (t - p_h)) * LG2 + t * LG2_L;
    let z = u + v;
    let w = v - (z - u);
    let t = z * z;
    let t1 = z - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let r = (z * t1) / (t1 - 2.0) - (w + z * w);
    let z = 1.0 - (r - z);
    let j = hi(z).wrapping_add(n << 20);
    let z = if (j >> 20) <= 0 { scalb(z, n) } else { with_hi(z, j) };
    s * z
}

/// `z * 2^n` rounded once, as Java's `Math.scalb`, for a `z` near 1 and a subnormal result:
/// the first product is exact and normal, the second rounds.
fn scalb(z: f64, n: i32) -> f64 {
    let pow2 = |e: i32| f64::from_bits(((1023 + e) as u64) << 52);
    (z * pow2(n + 600)) * pow2(-600)
}

/// `StrictMath.cbrt` (fdlibm `s_cbrt.c`), which `Math.cbrt` delegates to on the JDKs Spark 3.5
/// runs on.
pub fn cbrt(x: f64) -> f64 {
    const B1: i32 = 715094163;
    const B2: i32 = 696219795;
    const C: f64 = f64::from_bits(0x3fe15f15f15f15f1);
    const D: f64 = f64::from_bits(0xbfe691de2532c834);
    const E: f64 = f64::from_bits(0x3ff6a0ea0ea0ea0f);
    const F: f64 = f64::from_bits(0x3ff9b6db6db6db6e);
    const G: f64 = f64::from_bits(0x3fd6db6db6db6db7);
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    // A first guess to 5 bits from the exponent (subnormals scaled by 2^54 first).
    let mut t = if x < f64::MIN_POSITIVE {
        let t = TWO54 * x;
        with_hi(t, hi(t) / 3 + B2)
    } else {
        from_words(hi(x) / 3 + B1, 0)
    };
    let r = t * t / x;
    let s = C + r * t;
    t *= G + F / (s + E + D / s);
    t = with_lo(t, 0);
    t = with_hi(t, hi(t) + 1);
    let s = t * t;
    let r = x / s;
    let w = t + t;
    let r = (r - t) / (w + r);
    t += t * r;
    sign * t
}

/// `StrictMath.expm1` (fdlibm `s_expm1.c`).
pub fn expm1(x: f64) -> f64 {
    const HUGE: f64 = 1.0e300;
    const TINY: f64 = 1.0e-300;
    const O_THRESHOLD: f64 = f64::from_bits(0x40862e42fefa39ef);
    // Coefficients scaled by 2^i (fdlibm's Q1..Q5).
    const Q: [f64; 5] = [
        f64::from_bits(0xbfa11111111110f4),
        f64::from_bits(0x3f5a01a019fe5585),
        f64::from_bits(0xbf14ce199eaadbb7),
        f64::from_bits(0x3ed0cfca86e65239),
        f64::from_bits(0xbe8afdb76e09c32d),
    ];
    let mut x = x;
    let mut hx = hi(x);
    let xsb = hx & (0x8000_0000_u32 as i32);
    hx &= 0x7fff_ffff;
    if hx >= 0x4043_687a {
        if hx >= 0x4086_2e42 {
            if hx >= 0x7ff0_0000 {
                if ((hx & 0xf_ffff) | lo(x)) != 0 {
                    return x + x;
                }
                return if xsb == 0 { x } else { -1.0 };
            }
            if x > O_THRESHOLD {
                return f64::INFINITY;
            }
        }
        if xsb != 0 && x + TINY < 0.0 {
            return TINY - 1.0;
        }
    }
    let (k, c);
    if hx > 0x3fd6_2e42 {
        let (hi_part, lo_part);
        if hx < 0x3ff0_a2b2 {
            if xsb == 0 {
                hi_part = x - LN2_HI;
                lo_part = LN2_LO;
                k = 1;
            } else {
                hi_part = x + LN2_HI;
                lo_part = -LN2_LO;
                k = -1;
            }
        } else {
            k = (INV_LN2 * x + if xsb == 0 { 0.5 } else { -0.5 }) as i32;
            let t = k as f64;
            hi_part = x - t * LN2_HI;
            lo_part = t * LN2_LO;
        }
        x = hi_part - lo_part;
        c = (hi_part - x) - lo_part;
    } else if hx < 0x3c90_0000 {
        let t = HUGE + x;
        return x - (t - (HUGE + x));
    } else {
        k = 0;
        c = 0.0;
    }
    let hfx = 0.5 * x;
    let hxs = x * hfx;
    let r1 = 1.0 + hxs * (Q[0] + hxs * (Q[1] + hxs * (Q[2] + hxs * (Q[3] + hxs * Q[4]))));
    let t = 3.0 - r1 * hfx;
    let mut e = hxs * ((r1 - t) / (6.0 - x * t));
    if k == 0 {
        return x - (x * e - hxs);
    }
    e = x * (e - c) - c;
    e -= hxs;
    if k == -1 {
        return 0.5 * (x - e) - 0.5;
    }
    if k == 1 {
        return if x < -0.25 { -2.0 * (e - (x + 0.5)) } else { 1.0 + 2.0 * (x - e) };
    }
    if k <= -2 || k > 56 {
        let y = 1.0 - (e - x);
        let y = with_hi(y, hi(y).wrapping_add(k << 20));
        return y - 1.0;
    }
    if k < 20 {
        let t = from_words(0x3ff0_0000 - (0x20_0000 >> k), 0);
        let y = t - (e - x);
        with_hi(y, hi(y).wrapping_add(k << 20))
    } else {
        let t = from_words((0x3ff - k) << 20, 0);
        let y = (x - (e + t)) + 1.0;
        with_hi(y, hi(y).wrapping_add(k << 20))
    }
}

/// `StrictMath.sinh` (fdlibm `e_sinh.c`), which `Math.sinh` delegates to.
pub fn sinh(x: f64) -> f64 {
    const SHUGE: f64 = 1.0e307;
    let jx = hi(x);
    let ix = jx & 0x7fff_ffff;
    if ix >= 0x7ff0_0000 {
        return x + x;
    }
    let h = if jx < 0 { -0.5 } else { 0.5 };
    if ix < 0x4036_0000 {
        if ix < 0x3e30_0000 && SHUGE + x > 1.0 {
            return x;
        }
        let t = expm1(x.abs());
        if ix < 0x3ff0_0000 {
            return h * (2.0 * t - t * t / (t + 1.0));
        }
        return h * (t + t / (t + 1.0));
    }
    if ix < 0x4086_2e42 {
        return h * exp(x.abs());
    }
    if ix < 0x4086_33ce || (ix == 0x4086_33ce && (lo(x) as u32) <= 0x8fb9_f87d) {
        let w = exp(0.5 * x.abs());
        let t = h * w;
        return t * w;
    }
    x * SHUGE
}

/// `StrictMath.cosh` (fdlibm `e_cosh.c`), which `Math.cosh` delegates to.
pub fn cosh(x: f64) -> f64 {
    let ix = hi(x) & 0x7fff_ffff;
    if ix >= 0x7ff0_0000 {
        return x * x;
    }
    if ix < 0x3fd6_2e43 {
        let t = expm1(x.abs());
        let w = 1.0 + t;
        if ix < 0x3c80_0000 {
            return w;
        }
        return 1.0 + (t * t) / (w + w);
    }
    if ix < 0x4036_0000 {
        let t = exp(x.abs());
        return 0.5 * t + 0.5 / t;
    }
    if ix < 0x4086_2e42 {
        return 0.5 * exp(x.abs());
    }
    if ix < 0x4086_33ce || (ix == 0x4086_33ce && (lo(x) as u32) <= 0x8fb9_f87d) {
        let w = exp(0.5 * x.abs());
        let t = 0.5 * w;
        return t * w;
    }
    f64::INFINITY
}

/// `StrictMath.tanh` (fdlibm `s_tanh.c`), which `Math.tanh` delegates to.
pub fn tanh(x: f64) -> f64 {
    const TINY: f64 = 1.0e-300;
    let jx = hi(x);
    let ix = jx & 0x7fff_ffff;
    if ix >= 0x7ff0_0000 {
        return if jx >= 0 { 1.0 / x + 1.0 } else { 1.0 / x - 1.0 };
    }
    let z = if ix < 0x4036_0000 {
        if ix < 0x3c80_0000 {
            return x * (1.0 + x);
        }
        if ix >= 0x3ff0_0000 {
            let t = expm1(2.0 * x.abs());
            1.0 - 2.0 / (t + 2.0)
        } else {
            let t = expm1(-2.0 * x.abs());
            -t / (t + 2.0)
        }
    } else {
        1.0 - TINY
    };
    if jx >= 0 { z } else { -z }
}

const PIO2_HI: f64 = f64::from_bits(0x3ff921fb54442d18);
const PIO2_LO: f64 = f64::from_bits(0x3c91a62633145c07);
const PIO4_HI: f64 = f64::from_bits(0x3fe921fb54442d18);
const PI: f64 = std::f64::consts::PI;

/// The rational approximation of (asin(x) - x) / x^3 that `asin` and `acos` share: p(t) / q(t).
fn asin_ratio(t: f64) -> (f64, f64) {
    const PS: [f64; 6] = [
        f64::from_bits(0x3fc5555555555555),
        f64::from_bits(0xbfd4d61203eb6f7d),
        f64::from_bits(0x3fc9c1550e884455),
        f64::from_bits(0xbfa48228b5688f3b),
        f64::from_bits(0x3f49efe07501b288),
        f64::from_bits(0x3f023de10dfdf709),
    ];
    const QS: [f64; 4] = [
        f64::from_bits(0xc0033a271c8a2d4b),
        f64::from_bits(0x40002ae59c598ac8),
        f64::from_bits(0xbfe6066c1b8d0159),
        f64::from_bits(0x3fb3b8c5b12e9282),
    ];
    let p = t * (PS[0] + t * (PS[1] + t * (PS[2] + t * (PS[3] + t * (PS[4] + t * PS[5])))));
    let q = 1.0 + t * (QS[0] + t * (QS[1] + t * (QS[2] + t * QS[3])));
    (p, q)
}

/// `StrictMath.asin` (fdlibm `e_asin.c`), which `Math.asin` delegates to.
pub fn asin(x: f64) -> f64 {
    const HUGE: f64 = 1.0e300;
    let hx = hi(x);
    let ix = hx & 0x7fff_ffff;
    if ix >= 0x3ff0_0000 {
        if ((ix - 0x3ff0_0000) | lo(x)) == 0 {
            return x * PIO2_HI + x * PIO2_LO;
        }
        return f64::NAN;
    } else if ix < 0x3fe0_0000 {
        let mut t = 0.0;
        if ix < 0x3e40_0000 {
            if HUGE + x > 1.0 {
                return x;
            }
        } else {
            t = x * x;
        }
        let (p, q) = asin_ratio(t);
        return x + x * (p / q);
    }
    let w = 1.0 - x.abs();
    let t = w * 0.5;
    let (p, q) = asin_ratio(t);
    let s = t.sqrt();
    let t = if ix >= 0x3fef_3333 {
        PIO2_HI - (2.0 * (s + s * (p / q)) - PIO2_LO)
    } else {
        let w = with_lo(s, 0);
        let c = (t - w * w) / (s + w);
        let r = p / q;
        let p = 2.0 * s * r - (PIO2_LO - 2.0 * c);
        let q = PIO4_HI - 2.0 * w;
        PIO4_HI - (p - q)
    };
    if hx > 0 { t } else { -t }
}

/// `StrictMath.acos` (fdlibm `e_acos.c`), which `Math.acos` delegates to.
pub fn acos(x: f64) -> f64 {
    let hx = hi(x);
    let ix = hx & 0x7fff_ffff;
    if ix >= 0x3ff0_0000 {
        if ((ix - 0x3ff0_0000) | lo(x)) == 0 {
            return if hx > 0 { 0.0 } else { PI + 2.0 * PIO2_LO };
        }
        return f64::NAN;
    }
    if ix < 0x3fe0_0000 {
        if ix <= 0x3c60_0000 {
            return PIO2_HI + PIO2_LO;
        }
        let z = x * x;
        let (p, q) = asin_ratio(z);
        let r = p / q;
        PIO2_HI - (x - (PIO2_LO - x * r))
    } else if hx < 0 {
        let z = (1.0 + x) * 0.5;
        let (p, q) = asin_ratio(z);
        let s = z.sqrt();
        let r = p / q;
        let w = r * s - PIO2_LO;
        PI - 2.0 * (s + w)
    } else {
        let z = (1.0 - x) * 0.5;
        let s = z.sqrt();
        let df = with_lo(s, 0);
        let c = (z - df * df) / (s + df);
        let (p, q) = asin_ratio(z);
        let r = p / q;
        let w = r * s + c;
        2.0 * (df + w)
    }
}

/// `StrictMath.atan` (fdlibm `s_atan.c`), which `Math.atan` delegates to.
pub fn atan(x: f64) -> f64 {
    const HUGE: f64 = 1.0e300;
    const ATAN_HI: [f64; 4] = [
        f64::from_bits(0x3fddac670561bb4f),
        f64::from_bits(0x3fe921fb54442d18),
        f64::from_bits(0x3fef730bd281f69b),
        f64::from_bits(0x3ff921fb54442d18),
    ];
    const ATAN_LO: [f64; 4] = [
        f64::from_bits(0x3c7a2b7f222f65e2),
        f64::from_bits(0x3c81a62633145c07),
        f64::from_bits(0x3c7007887af0cbbd),
        f64::from_bits(0x3c91a62633145c07),
    ];
    const AT: [f64; 11] = [
        f64::from_bits(0x3fd555555555550d),
        f64::from_bits(0xbfc999999998ebc4),
        f64::from_bits(0x3fc24924920083ff),
        f64::from_bits(0xbfbc71c6fe231671),
        f64::from_bits(0x3fb745cdc54c206e),
        f64::from_bits(0xbfb3b0f2af749a6d),
        f64::from_bits(0x3fb10d66a0d03d51),
        f64::from_bits(0xbfadde2d52defd9a),
        f64::from_bits(0x3fa97b4b24760deb),
        f64::from_bits(0xbfa2b4442c6a6c2f),
        f64::from_bits(0x3f90ad3ae322da11),
    ];
    let mut x = x;
    let hx = hi(x);
    let ix = hx & 0x7fff_ffff;
    let id: i32;
    if ix >= 0x4410_0000 {
        if ix > 0x7ff0_0000 || (ix == 0x7ff0_0000 && lo(x) != 0) {
            return x + x;
        }
        return if hx > 0 { ATAN_HI[3] + ATAN_LO[3] } else { -ATAN_HI[3] - ATAN_LO[3] };
    }
    if ix < 0x3fdc_0000 {
        if ix < 0x3e20_0000 && HUGE + x > 1.0 {
            return x;
        }
        id = -1;
    } else {
        x = x.abs();
        if ix < 0x3ff3_0000 {
            if ix < 0x3fe6_0000 {
                id = 0;
                x = (2.0 * x - 1.0) / (2.0 + x);
            } else {
                id = 1;
                x = (x - 1.0) / (x + 1.0);
            }
        } else if ix < 0x4003_8000 {
            id = 2;
            x = (x - 1.5) / (1.0 + 1.5 * x);
        } else {
            id = 3;
            x = -1.0 / x;
        }
    }
    let z = x * x;
    let w = z * z;
    let s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
    let s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
    if id < 0 {
        return x - x * (s1 + s2);
    }
    let id = id as usize;
    let z = ATAN_HI[id] - ((x * (s1 + s2) - ATAN_LO[id]) - x);
    if hx < 0 { -z } else { z }
}

/// `StrictMath.atan2(y, x)` (fdlibm `e_atan2.c`), which `Math.atan2` delegates to.
pub fn atan2(y: f64, x: f64) -> f64 {
    const TINY: f64 = 1.0e-300;
    const PI_O_4: f64 = f64::from_bits(0x3fe921fb54442d18);
    const PI_O_2: f64 = PIO2_HI;
    const PI_LO: f64 = f64::from_bits(0x3ca1a62633145c07);
    let (hx, lx) = (hi(x), lo(x));
    let (hy, ly) = (hi(y), lo(y));
    let (ix, iy) = (hx & 0x7fff_ffff, hy & 0x7fff_ffff);
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    if ((hx - 0x3ff0_0000) | lx) == 0 {
        return atan(y);
    }
    // 2 * sign(x) + sign(y).
    let m = ((hy >> 31) & 1) | ((hx >> 30) & 2);
    if (iy | ly) == 0 {
        return match m {
            0 | 1 => y,
            2 => PI + TINY,
            _ => -PI - TINY,
        };
    }
    if (ix | lx) == 0 {
        return if hy < 0 { -PI_O_2 - TINY } else { PI_O_2 + TINY };
    }
    if ix == 0x7ff0_0000 {
        return if iy == 0x7ff0_0000 {
            match m {
                0 => PI_O_4 + TINY,
                1 => -PI_O_4 - TINY,
                2 => 3.0 * PI_O_4 + TINY,
                _ => -3.0 * PI_O_4 - TINY,
            }
        } else {
            match m {
                0 => 0.0,
                1 => -0.0,
                2 => PI + TINY,
                _ => -PI - TINY,
            }
        };
    }
    if iy == 0x7ff0_0000 {
        return if hy < 0 { -PI_O_2 - TINY } else { PI_O_2 + TINY };
    }
    let k = (iy - ix) >> 20;
    let z = if k > 60 {
        PI_O_2 + 0.5 * PI_LO
    } else if hx < 0 && k < -60 {
        0.0
    } else {
        atan((y / x).abs())
    };
    match m {
        0 => z,
        1 => -z,
        2 => PI - (z - PI_LO),
        _ => (z - PI_LO) - PI,
    }
}

/// `StrictMath.hypot` (fdlibm `e_hypot.c`), which `Math.hypot` delegates to.
pub fn hypot(x: f64, y: f64) -> f64 {
    let (mut a, mut b) = (x.abs(), y.abs());
    if !a.is_finite() || !b.is_finite() {
        if a == f64::INFINITY || b == f64::INFINITY {
            return f64::INFINITY;
        }
        return a + b;
    }
    if b > a {
        std::mem::swap(&mut a, &mut b);
    }
    let (mut ha, mut hb) = (hi(a), hi(b));
    if ha - hb > 0x3c0_0000 {
        return a + b;
    }
    let pow2 = |e: i32| f64::from_bits(((1023 + e) as u64) << 52);
    let mut k = 0;
    if a > f64::from_bits(0x5f300000ffffffff) {
        ha -= 0x2580_0000;
        hb -= 0x2580_0000;
        a *= pow2(-600);
        b *= pow2(-600);
        k += 600;
    }
    if b < pow2(-500) {
        if b < f64::MIN_POSITIVE {
            if b == 0.0 {
                return a;
            }
            let t1 = pow2(1022);
            b *= t1;
            a *= t1;
            k -= 1022;
        } else {
            ha += 0x2580_0000;
            hb += 0x2580_0000;
            a *= pow2(600);
            b *= pow2(600);
            k -= 600;
        }
    }
    let mut w = a - b;
    if w > b {
        let t1 = from_words(ha, 0);
        let t2 = a - t1;
        w = (t1 * t1 - (b * (-b) - t2 * (a + t1))).sqrt();
    } else {
        let a = a + a;
        let y1 = from_words(hb, 0);
        let y2 = b - y1;
        let t1 = from_words(ha + 0x0010_0000, 0);
        let t2 = a - t1;
        w = (t1 * y1 - (w * (-w) - (t1 * y2 + t2 * b))).sqrt();
    }
    if k != 0 { pow2(k) * w } else { w }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs where a platform libm's last bit differs from `StrictMath`; the expected bits are
    /// Java 17's. (The Spark suites compare hundreds of thousands more against the JVM.)
    #[test]
    fn results_have_strict_maths_bits() {
        let cases = [
            (cbrt(477.829), 0x401f458afe1cba7d_u64),
            (cbrt(529.578), 0x40202e5925f8c048),
            (exp(277.539), 0x58f52c3b7443a8a0),
            (exp(51.913), 0x449dbeff1a693e22),
            (expm1(181.982), 0x5057563241c84885),
            (expm1(591.608), 0x7546c89e14596e3f),
            (log(175.95), 0x4014ae48df82a972),
            (log10(206.953), 0x400286e7c172b5fb),
            (log10(237.168), 0x4003001d687130b6),
            (pow(81.687, 2.9016666666666673), 0x411593f5a7b0143a),
            (pow(95.968, 2.8353333333333346), 0x4119716bfb7dcfd4),
            (sinh(159.219), 0x4e3a1294ebfa16fc),
            (sinh(33.828), 0x42ebeccfee220302),
        ];
        for (i, (got, want)) in cases.into_iter().enumerate() {
            assert_eq!(got.to_bits(), want, "case {i}: {got:e} is not {:e}", f64::from_bits(want));
        }
    }

    #[test]
    fn special_values_are_javas() {
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(log(0.0), f64::NEG_INFINITY);
        assert_eq!(log(1.0).to_bits(), 0);
        assert_eq!(log10(1000.0), 3.0);
        assert_eq!(pow(-2.0, 3.0), -8.0);
        assert!(pow(-2.0, 0.5).is_nan());
        assert!(pow(1.0, f64::NAN).is_nan());
        assert_eq!(pow(-0.0, -1.0), f64::NEG_INFINITY);
        assert_eq!(cbrt(-27.0), -3.0);
        assert_eq!(atan2(0.0, -1.0), std::f64::consts::PI);
        assert_eq!(hypot(3.0, 4.0), 5.0);
        assert_eq!(hypot(f64::NAN, f64::INFINITY), f64::INFINITY);
        assert!(cbrt(-0.0).is_sign_negative() && tanh(-0.0).is_sign_negative() && expm1(-0.0).is_sign_negative());
    }
}
