//! Coordination and promotion: potentials, matches, meetings, recommendations, good practices.
