//! The breaking-change guard: walks every commit that changed `openapi/openapi.json` (and the
//! working tree, if it differs from HEAD), compares each version with the one before it, and
//! fails when a change removes or narrows something unless that same change adds a line to
//! `openapi/CHANGELOG.md`. Additive changes are listed, not failed.
//!
//! Usage: `contract-guard` from the repository root (make conformance, .ci/run).

use std::process::{Command, ExitCode};

use jalin_openapi::diff::{compare, Report};
use serde_json::Value;

const CONTRACT: &str = "openapi/openapi.json";
const CHANGELOG: &str = "openapi/CHANGELOG.md";

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The contract at `rev` (`None` for the working tree); absent or unreadable is an empty contract.
fn contract_at(rev: Option<&str>) -> Value {
    let text = match rev {
        Some(r) => git(&["show", &format!("{r}:{CONTRACT}")]),
        None => std::fs::read_to_string(CONTRACT).ok(),
    };
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| serde_json::json!({}))
}

/// Lines added to the changelog between two revisions (`to = None`: the working tree).
fn changelog_lines_added(from: &str, to: Option<&str>) -> usize {
    let mut args = vec!["diff", "--numstat", from];
    if let Some(t) = to {
        args.push(t);
    }
    args.extend(["--", CHANGELOG]);
    git(&args)
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn print(label: &str, r: &Report) {
    for b in &r.breaking {
        println!("  BREAKING {label}: {b}");
    }
    for a in &r.additive {
        println!("  additive {label}: {a}");
    }
}

fn main() -> ExitCode {
    if git(&["rev-parse", "--is-inside-work-tree"]).is_none() {
        println!("contract-guard: not a git checkout; nothing to compare");
        return ExitCode::SUCCESS;
    }
    let commits = git(&["log", "--reverse", "--format=%H", "--", CONTRACT]).unwrap_or_default();
    let mut unacknowledged = Vec::new();
    let mut checked = 0;
    for commit in commits.lines().filter(|c| !c.is_empty()) {
        let parent = format!("{commit}^");
        if git(&["rev-parse", "--verify", "--quiet", &parent]).is_none() {
            continue; // the root commit, or history cut by a shallow clone
        }
        checked += 1;
        let report = compare(&contract_at(Some(&parent)), &contract_at(Some(commit)));
        let short = &commit[..commit.len().min(10)];
        if report.is_breaking() {
            if changelog_lines_added(&parent, Some(commit)) > 0 {
                println!("commit {short}: breaking changes, recorded in {CHANGELOG}:");
                print(short, &report);
            } else {
                unacknowledged.push((short.to_owned(), report));
            }
        }
    }

    // Uncommitted changes to the contract (a local `make openapi` before committing).
    let head = contract_at(Some("HEAD"));
    let work = contract_at(None);
    if head != work {
        let report = compare(&head, &work);
        if report.is_breaking() && changelog_lines_added("HEAD", None) == 0 {
            unacknowledged.push(("working tree".to_owned(), report));
        } else {
            println!("working tree: the contract differs from HEAD:");
            print("working tree", &report);
        }
    }

    // The latest committed change, for the record.
    if let Some(last) = commits.lines().rfind(|c| !c.is_empty()) {
        let parent = format!("{last}^");
        if git(&["rev-parse", "--verify", "--quiet", &parent]).is_some() {
            let r = compare(&contract_at(Some(&parent)), &contract_at(Some(last)));
            if !r.is_breaking() {
                println!(
                    "latest contract change ({}): additive only ({} additions)",
                    &last[..10.min(last.len())],
                    r.additive.len()
                );
                print("latest", &r);
            }
        }
    }

    if unacknowledged.is_empty() {
        println!(
            "contract-guard: {checked} contract change(s) checked, no unrecorded breaking change"
        );
        ExitCode::SUCCESS
    } else {
        for (at, r) in &unacknowledged {
            println!("{at}: BREAKING changes to the contract without a line in {CHANGELOG}:");
            print(at, r);
        }
        println!(
            "contract-guard: FAILED. Generated clients break on these changes. Keep the contract \
             compatible, or record each break in {CHANGELOG} in the same commit."
        );
        ExitCode::FAILURE
    }
}
