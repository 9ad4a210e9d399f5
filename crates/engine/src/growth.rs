//! What growing a part of a market in place did (`BookSide::grow`,
//! `EventQueue::grow`, `BatchBook::grow`). A leaf module, so the parts that
//! grow and `layout`, which sizes them, all name it without a cycle.

/// What growing a book side, the event queue or the batch pool did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Growth {
    pub old_capacity: u32,
    pub new_capacity: u32,
}
