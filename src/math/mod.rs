//! math (to be written).
