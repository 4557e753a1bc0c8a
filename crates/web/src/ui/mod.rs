//! What every page shares: the frame, small parts and the SVG charts.
//! Nothing here names a feature.

pub mod assets;
pub mod charts;
pub mod forms;
pub mod layout;
