//! 拆单: an order shipped in parts — by lines, or by quantities of a line. The platform
//! order and its lines stay as they are (written back as one order); only what ships
//! together changes.

use serde::{Deserialize, Serialize};

use super::order::OrderLine;
use crate::{Error, FieldError};

/// One line's quantity in one part. `line` counts from 1, as the order page shows lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartLine {
    pub line: usize,
    pub qty: i64,
}

/// Checks a split: at least two parts, none empty, every quantity positive, and every
/// line's quantities over the parts adding up to the line. Returns the parts without
/// zero entries.
pub fn check_split(
    lines: &[OrderLine],
    parts: &[Vec<PartLine>],
) -> Result<Vec<Vec<PartLine>>, Error> {
    let parts: Vec<Vec<PartLine>> = parts
        .iter()
        .map(|p| p.iter().copied().filter(|l| l.qty != 0).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return Err(Error::field(
            "parts",
            "拆单至少要分成两个非空的部分 / a split needs at least two non-empty parts",
        ));
    }
    let mut errors = Vec::new();
    let mut taken = vec![0i64; lines.len()];
    for (pi, p) in parts.iter().enumerate() {
        for l in p {
            if l.line == 0 || l.line > lines.len() {
                errors.push(FieldError::new(
                    format!("parts[{pi}].line"),
                    format!("没有第 {} 行 / no line {}", l.line, l.line),
                ));
            } else if l.qty < 0 {
                errors.push(FieldError::new(
                    format!("parts[{pi}].qty"),
                    "数量不能为负 / a quantity cannot be negative",
                ));
            } else {
                taken[l.line - 1] += l.qty;
            }
        }
    }
    if errors.is_empty() {
        for (i, (l, t)) in lines.iter().zip(&taken).enumerate() {
            if *t != l.qty {
                errors.push(FieldError::new(
                    format!("lines[{i}]"),
                    format!(
                        "第 {} 行共 {} 件，各部分合计 {} 件 / line {} has {}, the parts hold {}",
                        i + 1,
                        l.qty,
                        t,
                        i + 1,
                        l.qty,
                        t
                    ),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(parts)
    } else {
        Err(Error::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(qtys: &[i64]) -> Vec<OrderLine> {
        qtys.iter()
            .map(|q| OrderLine {
                qty: *q,
                ..Default::default()
            })
            .collect()
    }

    fn p(v: &[(usize, i64)]) -> Vec<PartLine> {
        v.iter()
            .map(|(line, qty)| PartLine {
                line: *line,
                qty: *qty,
            })
            .collect()
    }

    #[test]
    fn an_order_splits_by_lines_or_by_quantities_of_a_line() {
        let ls = lines(&[2, 1]);
        assert!(check_split(&ls, &[p(&[(1, 2)]), p(&[(2, 1)])]).is_ok());
        let parts = check_split(&ls, &[p(&[(1, 1), (2, 1)]), p(&[(1, 1), (2, 0)])]).unwrap();
        assert_eq!(parts[1], p(&[(1, 1)]), "zero entries are dropped");
    }

    #[test]
    fn quantities_must_add_up_and_a_split_needs_two_parts() {
        let ls = lines(&[2, 1]);
        let Err(Error::Invalid(e)) = check_split(&ls, &[p(&[(1, 1)]), p(&[(2, 1)])]) else {
            panic!("line 1 is short by one")
        };
        assert_eq!(e[0].field, "lines[0]");
        assert!(check_split(&ls, &[p(&[(1, 2), (2, 1)]), p(&[])]).is_err());
        assert!(check_split(&ls, &[p(&[(3, 1)]), p(&[(1, 2), (2, 1)])]).is_err());
        assert!(check_split(&ls, &[p(&[(1, -1)]), p(&[(1, 3), (2, 1)])]).is_err());
    }
}
