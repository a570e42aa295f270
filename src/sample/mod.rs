//! sample (to be written).
