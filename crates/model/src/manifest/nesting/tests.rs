use super::MAX_NESTING_DEPTH;
use crate::{ManifestError, parse_manifests};

/// Returns a document of `depth` block mappings, each the value of key `k`
/// one column deeper than its parent's.
fn block_nested(depth: usize) -> String {
    let mut text = String::new();
    for level in 0..depth - 1 {
        text.push_str(&format!("{}k:\n", " ".repeat(level)));
    }
    text.push_str(&format!("{}k: v\n", " ".repeat(depth - 1)));
    text
}

fn parse_error(text: &str) -> ManifestError {
    parse_manifests("deep.yaml", text).expect_err("the manifest is rejected")
}

#[test]
fn block_nesting_800_deep_is_rejected() {
    let error = parse_error(&block_nested(800));

    assert_eq!(error.problems.len(), 1, "{error}");
    let problem = &error.problems[0];
    assert_eq!(problem.source, "deep.yaml");
    assert_eq!(problem.line, MAX_NESTING_DEPTH + 1);
    assert_eq!(problem.column, MAX_NESTING_DEPTH + 1);
    assert_eq!(problem.document, 0);
    assert!(problem.message.contains("more than 64 levels"), "{error}");
}

#[test]
fn block_nesting_5000_deep_is_rejected() {
    let error = parse_error(&block_nested(5000));

    assert_eq!(error.problems.len(), 1, "{error}");
    assert_eq!(error.problems[0].line, MAX_NESTING_DEPTH + 1);
}

#[test]
fn block_nesting_60_deep_is_read() {
    let error = parse_error(&block_nested(60));

    let messages: Vec<&str> = error.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("apiVersion")), "{error}");
    assert!(
        !messages.iter().any(|m| m.contains("levels deep")),
        "{error}"
    );
}

#[test]
fn nesting_at_the_limit_is_read() {
    let error = parse_error(&block_nested(MAX_NESTING_DEPTH));

    assert!(!error.to_string().contains("levels deep"), "{error}");
}

#[test]
fn nesting_one_past_the_limit_is_rejected() {
    let error = parse_error(&block_nested(MAX_NESTING_DEPTH + 1));

    assert_eq!(error.problems.len(), 1, "{error}");
    assert!(error.problems[0].message.contains("levels deep"), "{error}");
}

#[test]
fn flow_nesting_past_the_limit_is_rejected() {
    let text = format!("{}{}\n", "[".repeat(100), "]".repeat(100));

    let error = parse_error(&text);

    assert_eq!(error.problems.len(), 1, "{error}");
    let problem = &error.problems[0];
    assert_eq!((problem.line, problem.column), (1, MAX_NESTING_DEPTH + 1));
    assert!(problem.message.contains("levels deep"), "{error}");
}

#[test]
fn aliases_count_the_levels_they_expand_to() {
    // Each anchor nests 40 sequences around an alias of the one before, so
    // the text is shallow but the loaded tree would be 40 levels deeper per anchor.
    let mut text = String::from("a0: &a0 x\n");
    for index in 1..=50 {
        let previous = index - 1;
        let open = "[".repeat(40);
        let close = "]".repeat(40);
        text.push_str(&format!("a{index}: &a{index} {open}*a{previous}{close}\n"));
    }

    let error = parse_error(&text);

    assert_eq!(error.problems.len(), 1, "{error}");
    let problem = &error.problems[0];
    assert_eq!(problem.line, 3, "{error}");
    assert!(problem.message.contains("levels deep"), "{error}");
}

#[test]
fn documents_before_the_deep_one_are_checked() {
    let text = format!("kind: Nonsense\n---\n{}", block_nested(100));

    let error = parse_error(&text);

    let (deep, first) = error.problems.split_last().expect("problems");
    assert!(!first.is_empty(), "{error}");
    for problem in first {
        assert_eq!(problem.document, 0, "{error}");
        assert!(!problem.message.contains("levels deep"), "{error}");
    }
    assert_eq!(deep.document, 1);
    // The deep document starts on line 3, after `kind: Nonsense` and `---`.
    assert_eq!(deep.line, MAX_NESTING_DEPTH + 3);
    assert!(deep.message.contains("levels deep"), "{error}");
}
