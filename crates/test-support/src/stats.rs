//! Summaries the benches print.

/// The value at `fraction` (0.5 = median) of an ascending, non-empty slice.
pub fn percentile<T: Copy>(sorted: &[T], fraction: f64) -> T {
    sorted[((sorted.len() as f64 * fraction) as usize).min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentile_picks_by_rank_and_clamps_at_the_top() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(super::percentile(&v, 0.5), 6);
        assert_eq!(super::percentile(&v, 0.99), 10);
        assert_eq!(super::percentile(&v, 1.0), 10);
        assert_eq!(super::percentile(&[7], 0.5), 7);
    }
}
