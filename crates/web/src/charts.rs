//! Server-rendered SVG charts (placeholder; filled in by the insights work).
