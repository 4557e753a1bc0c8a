//! Shared goals and new experiences: goals the two take on together, in
//! small milestones that tick off, and new things to plan and try. Shared
//! by design: both members read and write all of it.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(GoalId, "goal_id");
crate::path_id!(MilestoneId, "milestone_id");
crate::path_id!(ExperienceId, "experience_id");
