//! 拣货路径: the order a picker walks a pick list's locations, and how far.
//!
//! The warehouse model: a location code `A-01-02-03` is zone `A`, aisle 1, rack (bay) 2,
//! level 3. Aisles are parallel and joined by a cross-aisle at the front (before rack 1)
//! and at the back (after the last rack). A picker starts and ends at the front of the
//! first aisle. Walking a rack's width is 1; crossing from one aisle to the next is
//! [`AISLE_GAP`].
//!
//! The route is **serpentine** (S-shape): zone by zone, the aisles that have something to
//! pick in order, up the first, down the next, and so on; within an aisle by rack in the
//! walking direction, then by the location's pick sequence, then by level. An aisle
//! entered and left on the same side is walked only as far as its last pick. Its length
//! is shown against the **naive** order (the pick list as the orders came), so the saving
//! is visible. Codes that do not read as `zone-aisle-rack[-level]` are walked last, by
//! pick sequence and code.

use serde::Serialize;

/// The walking distance between neighbouring aisles, in rack widths.
pub const AISLE_GAP: i64 = 3;

/// A location as the picker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub code: String,
    pub pick_seq: i64,
}

/// Where a code puts a location on the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Spot {
    aisle: i64,
    rack: i64,
    level: i64,
}

/// `A-01-02-03` → zone `A` and (1, 2, 3); the level may be missing.
fn spot(code: &str) -> Option<(&str, Spot)> {
    let mut parts = code.split('-');
    let zone = parts.next()?;
    let mut num = || parts.next().map(|p| p.trim().parse::<i64>().ok());
    let aisle = num()??;
    let rack = num()??;
    let level = match num() {
        None => 0,
        Some(l) => l?,
    };
    (!zone.is_empty() && aisle >= 0 && rack >= 0 && level >= 0)
        .then_some((zone, Spot { aisle, rack, level }))
}

/// The walk in serpentine order: indexes into `stops`.
pub fn serpentine(stops: &[Stop]) -> Vec<usize> {
    let mut placed: Vec<(usize, &str, Spot)> = Vec::new();
    let mut unplaced: Vec<usize> = Vec::new();
    for (i, s) in stops.iter().enumerate() {
        match spot(&s.code) {
            Some((zone, p)) => placed.push((i, zone, p)),
            None => unplaced.push(i),
        }
    }
    placed.sort_by(|a, b| (a.1, a.2.aisle).cmp(&(b.1, b.2.aisle)));
    let mut out = Vec::with_capacity(stops.len());
    let mut up = true;
    let mut i = 0;
    while i < placed.len() {
        let (zone, aisle) = (placed[i].1, placed[i].2.aisle);
        let end = placed[i..]
            .iter()
            .position(|p| (p.1, p.2.aisle) != (zone, aisle))
            .map_or(placed.len(), |n| i + n);
        let aisle_stops = &mut placed[i..end];
        aisle_stops.sort_by(|a, b| {
            let by_rack = a.2.rack.cmp(&b.2.rack);
            let by_rack = if up { by_rack } else { by_rack.reverse() };
            by_rack
                .then(stops[a.0].pick_seq.cmp(&stops[b.0].pick_seq))
                .then(a.2.level.cmp(&b.2.level))
                .then(stops[a.0].code.cmp(&stops[b.0].code))
        });
        out.extend(aisle_stops.iter().map(|p| p.0));
        up = !up;
        i = end;
    }
    unplaced.sort_by(|a, b| {
        (stops[*a].pick_seq, &stops[*a].code).cmp(&(stops[*b].pick_seq, &stops[*b].code))
    });
    out.extend(unplaced);
    out
}

/// The length of walking `stops` in `order`, from the front of the first aisle and back.
/// Unreadable codes add nothing (they cannot be placed).
pub fn walk_length(stops: &[Stop], order: &[usize]) -> i64 {
    let spots: Vec<(String, Spot)> = order
        .iter()
        .filter_map(|i| spot(&stops[*i].code).map(|(z, s)| (z.to_string(), s)))
        .collect();
    if spots.is_empty() {
        return 0;
    }
    // The back cross-aisle is one rack past the deepest rack of the zone.
    let depth = |zone: &str| {
        spots
            .iter()
            .filter(|(z, _)| z == zone)
            .map(|(_, s)| s.rack)
            .max()
            .unwrap_or(0)
            + 1
    };
    let first_aisle = spots.iter().map(|(_, s)| s.aisle).min().unwrap_or(0);
    let start = (
        spots[0].0.clone(),
        Spot {
            aisle: first_aisle,
            rack: 0,
            level: 0,
        },
    );
    let mut at = start.clone();
    let mut total = 0;
    for next in spots.iter().chain(std::iter::once(&start)) {
        total += leg(&at, next, depth(&next.0));
        at = next.clone();
    }
    total
}

/// One leg: along an aisle, or out to the nearer cross-aisle, across, and in again.
fn leg(a: &(String, Spot), b: &(String, Spot), depth: i64) -> i64 {
    let (sa, sb) = (a.1, b.1);
    if a.0 == b.0 && sa.aisle == sb.aisle {
        return (sa.rack - sb.rack).abs();
    }
    let front = sa.rack + sb.rack;
    let back = (depth - sa.rack) + (depth - sb.rack);
    // Another zone: walk out the front and across (zones are side by side).
    let across = (sa.aisle - sb.aisle).abs().max(1) * AISLE_GAP;
    across + if a.0 == b.0 { front.min(back) } else { front }
}

/// A pick list's route and what it saves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Indexes into the stops, in walking order.
    pub order: Vec<usize>,
    pub length: i64,
    /// The length of the stops as given.
    pub naive_length: i64,
}

/// The serpentine route of `stops` and its length against the order they came in.
pub fn plan(stops: &[Stop]) -> Route {
    let order = serpentine(stops);
    let naive: Vec<usize> = (0..stops.len()).collect();
    Route {
        length: walk_length(stops, &order),
        naive_length: walk_length(stops, &naive),
        order,
    }
}
