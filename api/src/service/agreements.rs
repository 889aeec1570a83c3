//! Agreements: register, change and delete agreements (the registry rules R1–R24 checked in the domain).
