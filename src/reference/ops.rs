//! The float operations of one GPT-2 step (f64 accumulation, f32 storage).

/// out = W x + b, W (rows x cols) row-major.
pub fn matvec(w: &super::Matrix, x: &[f32], b: Option<&[f32]>, out: &mut [f32]) {
    for (r, o) in out.iter_mut().enumerate().take(w.rows) {
        let acc = dot(w.row(r), x);
        *o = (acc + b.map_or(0.0, |b| b[r] as f64)) as f32;
    }
}

pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
}

/// LayerNorm with biased variance, as torch.nn.LayerNorm.
pub fn layer_norm(x: &[f32], gain: &[f32], bias: &[f32], eps: f32, out: &mut [f32]) {
    let n = x.len() as f64;
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    let inv = 1.0 / (var + eps as f64).sqrt();
    for i in 0..x.len() {
        out[i] = ((x[i] as f64 - mean) * inv * gain[i] as f64 + bias[i] as f64) as f32;
    }
}

/// GPT-2's "gelu_new": the tanh approximation.
pub fn gelu(x: f32) -> f32 {
    let x = x as f64;
    let c = (2.0 / std::f64::consts::PI).sqrt();
    (0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())) as f32
}

/// In-place softmax (max-subtracted).
pub fn softmax(v: &mut [f64]) {
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}
