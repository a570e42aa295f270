//! DOS platform module (to be written).
