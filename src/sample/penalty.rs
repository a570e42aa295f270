//! Repetition penalty (Keskar et al. 2019, CTRL; as Hugging Face applies it): each
//! distinct token of the history has its logit divided by the penalty if positive,
//! multiplied by it if negative. Integer: × 1000 / p or × p / 1000, rounded toward 0.
//! The history is a bitset of the ids seen, so it costs a bit per vocabulary entry
//! however long the text grows.

use super::SampleError;

/// Applies the penalty `penalty_milli` (> 0; 1000 = none) once to each token id whose
/// bit is set in `seen` (a bitset of at least `logits.len()` bits: the ids of the history).
pub fn apply_repetition_penalty(logits: &mut [i32], seen: &[u32], penalty_milli: u32) -> Result<(), SampleError> {
    if penalty_milli == 0 {
        return Err(SampleError::ZeroPenalty);
    }
    if seen.len() * 32 < logits.len() {
        return Err(SampleError::Vocab { expected: seen.len() * 32, got: logits.len() });
    }
    let p = penalty_milli as i64;
    for (w, &bits) in seen.iter().enumerate() {
        let mut bits = bits;
        while bits != 0 {
            let id = w * 32 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let Some(l) = logits.get_mut(id) else { return Err(SampleError::TokenOutOfRange(id as u32)) };
            let v = if *l > 0 { *l as i64 * 1000 / p } else { *l as i64 * p / 1000 };
            *l = v.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        }
    }
    Ok(())
}
