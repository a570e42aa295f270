//! CP437 (to be written).
