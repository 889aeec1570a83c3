//! Prints the rule table (`docs/rules.md`) from the rule registry: `make rules`.

fn main() {
    print!("{}", jalin_domain::rules::markdown());
}
