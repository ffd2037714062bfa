//! Aligned text tables, as `get`, `describe` and `events` print them.

/// Spaces between two columns.
const COLUMN_GAP: usize = 3;

/// A table with a header row; cells are left-aligned and the last column is not padded.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Creates a table with these column headers.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty and extra cells are dropped.
    pub fn push(&mut self, mut row: Vec<String>) {
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// Renders the header and every row, each line ending in a line break.
    pub fn render(&self) -> String {
        let widths = self.column_widths();
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::new();
            for (index, cell) in row.iter().enumerate() {
                // Cells are single-line: a line break inside would break the columns.
                let cell = cell.replace(['\n', '\r'], " ");
                line.push_str(&cell);
                if index + 1 < row.len() {
                    let padding = widths[index] - cell.chars().count() + COLUMN_GAP;
                    line.extend(std::iter::repeat_n(' ', padding));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn column_widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.replace(['\n', '\r'], " ").chars().count());
            }
        }
        widths
    }
}

/// Label-value lines with the values aligned, as `describe` prints them.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    lines: Vec<(String, String)>,
}

impl Fields {
    /// Adds one `Label: value` line.
    pub fn push(&mut self, label: &str, value: impl Into<String>) {
        self.lines.push((label.to_owned(), value.into()));
    }

    /// Renders the lines with every value starting in the same column.
    pub fn render(&self) -> String {
        let width = self
            .lines
            .iter()
            .map(|(label, _)| label.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for (label, value) in &self.lines {
            let padding = width - label.chars().count() + 2;
            out.push_str(label);
            out.push(':');
            out.extend(std::iter::repeat_n(' ', padding));
            out.push_str(value);
            out.push('\n');
        }
        out
    }
}
