//! Reminders and the overview: facts loaded here, decided by `domain::monitoring`.
