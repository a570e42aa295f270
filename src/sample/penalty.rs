//! Repetition penalty (Keskar et al. 2019, CTRL; as Hugging Face applies it): each
//! distinct token of the history has its logit divided by the penalty if positive,
//! multiplied by it if negative. Integer: × 1000 / p or × p / 1000, rounded toward 0.

use super::SampleError;

/// Applies the penalty `penalty_milli` (> 0; 1000 = none) once per distinct id of
/// `history`. `seen` is a bitset of at least `logits.len()` bits, all clear on entry
/// and left clear on return.
pub fn apply_repetition_penalty(
    logits: &mut [i32],
    history: &[u32],
    penalty_milli: u32,
    seen: &mut [u32],
) -> Result<(), SampleError> {
    if penalty_milli == 0 {
        return Err(SampleError::ZeroPenalty);
    }
    if seen.len() * 32 < logits.len() {
        return Err(SampleError::Vocab { expected: seen.len() * 32, got: logits.len() });
    }
    if let Some(&bad) = history.iter().find(|&&id| id as usize >= logits.len()) {
        return Err(SampleError::TokenOutOfRange(bad));
    }
    let p = penalty_milli as i64;
    for &id in history {
        let (word, bit) = (id as usize / 32, 1u32 << (id % 32));
        if seen[word] & bit != 0 {
            continue;
        }
        seen[word] |= bit;
        let l = logits[id as usize] as i64;
        let v = if l > 0 { l * 1000 / p } else { l * p / 1000 };
        logits[id as usize] = v.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
    }
    for &id in history {
        seen[id as usize / 32] = 0;
    }
    Ok(())
}
