//! One side of the book: a red-black tree in a fixed pool of 64-byte nodes.
//!
//! Layout of a book-side account: a 64-byte [`SideHeader`] followed by
//! `capacity + 1` [`OrderNode`]s. Node 0 is the tree's sentinel (`NIL`,
//! always black), so the CLRS algorithms run without null checks. Nodes are
//! linked by u32 index and never move, so an index held by a trader's
//! open-order slot stays valid until that node is freed (the slot also stores
//! the order id, which is checked on use).
//!
//! The tree is ordered best-first: an in-order walk yields the best price
//! first and, at one price, the oldest order first. Bids rank higher prices
//! first, asks lower prices first; ties break on the order sequence number,
//! so no u128 key is needed. The best node is cached for O(1) access.
//! Free nodes form a singly linked list (through `left`); never-used nodes are
//! handed out by a bump index so creating a side needs no O(capacity) loop.

use bytemuck::{Pod, Zeroable};
use static_assertions::const_assert_eq;

use crate::error::EngineError;
use crate::growth::Growth;
use crate::order::Side;
use crate::quantity::{BaseLots, Ticks};

mod tree;

/// Index of the sentinel node.
pub const NIL: u32 = 0;
/// Bound for every walk down or up the tree. A red-black tree with at most
/// `2^32` nodes has height at most `2*log2(n+1) <= 64`.
pub const MAX_TREE_HEIGHT: usize = 64;
/// Most nodes a side may hold (fits the u32 index with room for the sentinel).
pub const MAX_SIDE_CAPACITY: u32 = 1 << 20;

const BLACK: u8 = 0;
const RED: u8 = 1;
const TAG_FREE: u8 = 0;
const TAG_ORDER: u8 = 1;

/// A resting order. Byte budget: 64 = 3×4 links + 4 trader id + 4×8 key,
/// size, expiry + 4 flag bytes + 12 reserved.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct OrderNode {
    pub left: u32,
    pub right: u32,
    pub parent: u32,
    /// Owner's trader id (market-unique, never 0).
    pub trader_id: u32,
    pub price: Ticks,
    /// Order id: market-wide sequence number, the time-priority tie-breaker.
    pub seq: u64,
    /// Remaining size.
    pub base_lots: BaseLots,
    /// Unix seconds after which the order is dead; 0 = never.
    pub expiry: u64,
    pub color: u8,
    /// `TAG_ORDER` while in the tree, `TAG_FREE` otherwise.
    pub tag: u8,
    /// Owner's open-order slot.
    pub slot: u8,
    pub _pad: u8,
    pub _reserved: [u8; 12],
}
const_assert_eq!(core::mem::size_of::<OrderNode>(), 64);

impl OrderNode {
    #[inline(always)]
    pub fn is_expired(&self, now: u64) -> bool {
        self.expiry != 0 && self.expiry <= now
    }
}

/// Book-side header. Byte budget: 64 = 8×4 counters/indices + 1 side + 31 reserved.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct SideHeader {
    /// Number of order nodes (excluding the sentinel).
    pub capacity: u32,
    /// Orders currently in the tree.
    pub count: u32,
    pub root: u32,
    /// Cached best (leftmost) node, `NIL` when empty.
    pub best: u32,
    /// Head of the free list, `NIL` when empty.
    pub free_head: u32,
    /// Nodes `1..bump` have been used at least once.
    pub bump: u32,
    /// Next pool index `prune_expired` scans from.
    pub prune_cursor: u32,
    pub _pad0: u32,
    pub side: u8,
    pub _reserved: [u8; 31],
}
const_assert_eq!(core::mem::size_of::<SideHeader>(), 64);

/// Account bytes of a book side holding `capacity` orders.
pub const fn book_side_size(capacity: u32) -> usize {
    core::mem::size_of::<SideHeader>() + (capacity as usize + 1) * core::mem::size_of::<OrderNode>()
}

/// A zero-copy view of one book side.
pub struct BookSide<'a> {
    pub header: &'a mut SideHeader,
    nodes: &'a mut [OrderNode],
}

/// Split account bytes into a header and a slice of records, checking length and alignment.
pub(crate) fn split_records<H: Pod, R: Pod>(
    data: &mut [u8],
) -> Result<(&mut H, &mut [R]), EngineError> {
    let hs = core::mem::size_of::<H>();
    if data.len() < hs || !(data.len() - hs).is_multiple_of(core::mem::size_of::<R>()) {
        return Err(EngineError::InvalidAccountData);
    }
    let (h, rest) = data.split_at_mut(hs);
    let header =
        bytemuck::try_from_bytes_mut::<H>(h).map_err(|_| EngineError::InvalidAccountData)?;
    let records =
        bytemuck::try_cast_slice_mut::<u8, R>(rest).map_err(|_| EngineError::InvalidAccountData)?;
    Ok((header, records))
}

impl<'a> BookSide<'a> {
    /// Write an empty side into `data` (its length fixes the capacity).
    pub fn init(data: &'a mut [u8], side: Side) -> Result<Self, EngineError> {
        let (header, nodes) = split_records::<SideHeader, OrderNode>(data)?;
        if nodes.is_empty() || nodes.len() - 1 > MAX_SIDE_CAPACITY as usize {
            return Err(EngineError::InvalidMarketParams);
        }
        *header = SideHeader {
            capacity: (nodes.len() - 1) as u32,
            bump: 1,
            side: side as u8,
            ..SideHeader::default()
        };
        nodes[0] = OrderNode::default();
        Ok(Self { header, nodes })
    }

    /// View an initialised side.
    pub fn load(data: &'a mut [u8]) -> Result<Self, EngineError> {
        let (header, nodes) = split_records::<SideHeader, OrderNode>(data)?;
        if nodes.len() != header.capacity as usize + 1 || header.bump == 0 {
            return Err(EngineError::InvalidAccountData);
        }
        Side::try_from(header.side)?;
        Ok(Self { header, nodes })
    }

    /// Raise the capacity of the side in `data` to what `data` now holds:
    /// its account was grown in place by whole nodes, and the new nodes are
    /// zero (the runtime zero-fills grown account data). Nodes never move
    /// (they are linked by index), so growth touches no order: the new
    /// nodes are handed out by the bump index like never-used ones.
    /// Refused past `max_capacity` (and [`MAX_SIDE_CAPACITY`]) or if the new
    /// nodes are not zero.
    pub fn grow(data: &'a mut [u8], max_capacity: u32) -> Result<Growth, EngineError> {
        let (header, nodes) = split_records::<SideHeader, OrderNode>(data)?;
        let old_capacity = header.capacity;
        let new_nodes = nodes
            .get(old_capacity as usize + 1..)
            .ok_or(EngineError::InvalidGrowth)?;
        if nodes.len() - 1 > max_capacity.min(MAX_SIDE_CAPACITY) as usize {
            return Err(EngineError::InvalidGrowth);
        }
        // Word by word: a byte loop over 160 new nodes costs ~30k CU on SBF.
        let zeroed = bytemuck::cast_slice::<OrderNode, u64>(new_nodes)
            .iter()
            .all(|w| *w == 0);
        if header.bump == 0 || !zeroed {
            return Err(EngineError::InvalidAccountData);
        }
        Side::try_from(header.side)?;
        let new_capacity = (nodes.len() - 1) as u32;
        header.capacity = new_capacity;
        Ok(Growth {
            old_capacity,
            new_capacity,
        })
    }

    #[inline(always)]
    pub fn side(&self) -> Side {
        // Validated in `load`/`init`.
        if self.header.side == Side::Ask as u8 {
            Side::Ask
        } else {
            Side::Bid
        }
    }
    #[inline(always)]
    pub fn len(&self) -> u32 {
        self.header.count
    }
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.header.count == 0
    }
    #[inline(always)]
    pub fn is_full(&self) -> bool {
        self.header.count >= self.header.capacity
    }
    #[inline(always)]
    pub fn capacity(&self) -> u32 {
        self.header.capacity
    }
    #[inline(always)]
    pub fn best(&self) -> u32 {
        self.header.best
    }
    #[inline(always)]
    pub fn node(&self, i: u32) -> &OrderNode {
        &self.nodes[i as usize]
    }
    #[inline(always)]
    pub(crate) fn node_mut(&mut self, i: u32) -> &mut OrderNode {
        &mut self.nodes[i as usize]
    }
    /// The best resting order, if any.
    pub fn best_order(&self) -> Option<&OrderNode> {
        if self.header.best == NIL {
            None
        } else {
            Some(self.node(self.header.best))
        }
    }
    /// Is `i` a live order node?
    pub fn is_order(&self, i: u32) -> bool {
        i != NIL && (i as usize) < self.nodes.len() && self.nodes[i as usize].tag == TAG_ORDER
    }

    /// Does `(price, seq)` rank before (is better than) node `b`?
    #[inline(always)]
    fn ranks_before(&self, price: Ticks, seq: u64, b: &OrderNode) -> bool {
        Self::ranks_before_keyed(self.rank_mask(), price, seq, b)
    }

    /// What turns a price into its rank on this side, so that one unsigned
    /// comparison serves both: asks rank low prices first (the price itself,
    /// mask 0), bids high prices first (`!price`, mask all ones, reverses
    /// the order of u64). A walk reads the side once, not once per node.
    #[inline(always)]
    pub(super) fn rank_mask(&self) -> u64 {
        match self.side() {
            Side::Bid => u64::MAX,
            Side::Ask => 0,
        }
    }

    /// [`ranks_before`](Self::ranks_before) with the side's [`rank_mask`](Self::rank_mask) given.
    #[inline(always)]
    pub(super) fn ranks_before_keyed(mask: u64, price: Ticks, seq: u64, b: &OrderNode) -> bool {
        let (rank, other) = (price.get() ^ mask, b.price.get() ^ mask);
        rank < other || (rank == other && seq < b.seq)
    }

    /// Would a new order at `price` rank before the current worst order?
    /// (A new order has the highest sequence number, so equal price is not better.)
    pub fn beats_worst(&self, price: Ticks) -> bool {
        let w = self.worst();
        if w == NIL {
            return true;
        }
        let worst = self.node(w);
        match self.side() {
            Side::Bid => price > worst.price,
            Side::Ask => price < worst.price,
        }
    }

    /// Find the node of order `seq` at `price`, `NIL` if absent. O(log n).
    pub fn find(&self, price: Ticks, seq: u64) -> u32 {
        let mask = self.rank_mask();
        let mut x = self.header.root;
        for _ in 0..MAX_TREE_HEIGHT {
            if x == NIL {
                break;
            }
            let n = self.node(x);
            if n.price == price && n.seq == seq {
                return x;
            }
            x = if Self::ranks_before_keyed(mask, price, seq, n) {
                self.left(x)
            } else {
                self.right(x)
            };
        }
        NIL
    }

    /// Reduce the remaining size of node `i` (which must stay > 0).
    pub(crate) fn reduce(&mut self, i: u32, by: BaseLots) -> Result<(), EngineError> {
        let n = self.node_mut(i);
        n.base_lots = n.base_lots.try_sub(by)?;
        Ok(())
    }

    /// Iterate over resting orders best-first (off-chain helper; bounded by `count`).
    pub fn iter(&self) -> BookIter<'_, 'a> {
        BookIter {
            side: self,
            next: self.header.best,
            left: self.header.count,
        }
    }

    /// Check every red-black and bookkeeping invariant. For tests and off-chain audits.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        let h = &self.header;
        if self.color(NIL) != BLACK {
            return Err("sentinel is red");
        }
        if h.root != NIL && (self.color(h.root) != BLACK || self.parent(h.root) != NIL) {
            return Err("root is red or has a parent");
        }
        let mut count = 0u32;
        self.check_subtree(h.root, &mut count)?;
        if count != h.count {
            return Err("count does not match the tree");
        }
        let expected_best = if h.root == NIL {
            NIL
        } else {
            self.minimum(h.root)
        };
        if h.best != expected_best {
            return Err("cached best is stale");
        }
        // In-order walk must be strictly increasing in rank.
        let mut prev: Option<(Ticks, u64)> = None;
        let mut seen = 0;
        for (_, n) in self.iter() {
            if let Some((p, s)) = prev
                && !self.ranks_before(p, s, n)
            {
                return Err("in-order walk is not sorted best-first");
            }
            if n.base_lots.is_zero() {
                return Err("resting order with zero size");
            }
            prev = Some((n.price, n.seq));
            seen += 1;
        }
        if seen != h.count {
            return Err("in-order walk length differs from count");
        }
        // Free list + untouched tail + live nodes must account for every node.
        let mut free = 0u32;
        let mut f = h.free_head;
        while f != NIL {
            if self.nodes[f as usize].tag != TAG_FREE {
                return Err("live node on the free list");
            }
            free += 1;
            if free > h.capacity {
                return Err("free list cycles");
            }
            f = self.nodes[f as usize].left;
        }
        if count + free + (h.capacity + 1 - h.bump) != h.capacity {
            return Err("node accounting does not add up");
        }
        Ok(())
    }

    fn check_subtree(&self, i: u32, count: &mut u32) -> Result<u32, &'static str> {
        if i == NIL {
            return Ok(1);
        }
        *count += 1;
        if *count > self.header.capacity {
            return Err("tree has more nodes than capacity");
        }
        let n = self.node(i);
        if n.tag != TAG_ORDER {
            return Err("free node linked into the tree");
        }
        for c in [n.left, n.right] {
            if c != NIL && self.parent(c) != i {
                return Err("child's parent link is wrong");
            }
        }
        if n.color == RED && (self.color(n.left) == RED || self.color(n.right) == RED) {
            return Err("red node has a red child");
        }
        let lh = self.check_subtree(n.left, count)?;
        let rh = self.check_subtree(n.right, count)?;
        if lh != rh {
            return Err("black heights differ");
        }
        Ok(lh + u32::from(n.color == BLACK))
    }
}

/// Best-first iterator over `(node index, order)`.
pub struct BookIter<'s, 'a> {
    side: &'s BookSide<'a>,
    next: u32,
    left: u32,
}

impl<'s> Iterator for BookIter<'s, '_> {
    type Item = (u32, &'s OrderNode);
    fn next(&mut self) -> Option<Self::Item> {
        if self.next == NIL || self.left == 0 {
            return None;
        }
        let i = self.next;
        self.left -= 1;
        self.next = self.side.next(i);
        Some((i, self.side.node(i)))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn buf(cap: u32) -> Vec<u64> {
        vec![0u64; book_side_size(cap) / 8]
    }

    fn order(price: u64, seq: u64) -> OrderNode {
        OrderNode {
            price: Ticks(price),
            seq,
            base_lots: BaseLots(1),
            trader_id: 1,
            ..OrderNode::default()
        }
    }

    #[test]
    fn insert_remove_keeps_invariants_and_order() {
        for side in [Side::Bid, Side::Ask] {
            let mut mem = buf(256);
            let mut book = BookSide::init(bytemuck::cast_slice_mut(&mut mem), side).unwrap();
            let mut idx = Vec::new();
            // Pseudo-random prices with many ties.
            let mut x = 12345u64;
            for seq in 1..=256u64 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let price = 1 + (x >> 33) % 40;
                idx.push(book.insert(order(price, seq)).unwrap());
                book.check_invariants().unwrap();
            }
            assert!(book.is_full());
            assert_eq!(book.insert(order(1, 999)), Err(EngineError::BookFull));
            let prices: Vec<(u64, u64)> = book.iter().map(|(_, n)| (n.price.0, n.seq)).collect();
            let mut sorted = prices.clone();
            match side {
                Side::Bid => sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1))),
                Side::Ask => sorted.sort(),
            }
            assert_eq!(prices, sorted);
            // Remove in a scrambled order; indices of the others stay valid.
            for k in 0..idx.len() {
                let j = (k * 97) % idx.len();
                let seq = book.node(idx[j]).seq;
                book.remove(idx[j]).unwrap();
                assert!(book.iter().all(|(_, n)| n.seq != seq));
                book.check_invariants().unwrap();
                assert_eq!(book.remove(idx[j]), Err(EngineError::OrderNotFound));
            }
            assert!(book.is_empty());
            assert_eq!(book.best(), NIL);
            // Freed nodes are reused.
            book.insert(order(5, 1000)).unwrap();
            assert_eq!(book.header.bump, 257);
        }
    }

    #[test]
    fn find_and_worst() {
        let mut mem = buf(16);
        let mut book = BookSide::init(bytemuck::cast_slice_mut(&mut mem), Side::Bid).unwrap();
        for (p, s) in [(10, 1), (12, 2), (9, 3), (12, 4)] {
            book.insert(order(p, s)).unwrap();
        }
        assert_eq!(book.best_order().unwrap().seq, 2);
        assert_eq!(book.node(book.worst()).seq, 3);
        assert!(book.beats_worst(Ticks(10)));
        assert!(!book.beats_worst(Ticks(9)));
        let i = book.find(Ticks(12), 4);
        assert_eq!(book.node(i).seq, 4);
        assert_eq!(book.find(Ticks(11), 4), NIL);
    }

    #[test]
    fn load_rejects_bad_bytes() {
        let mut mem = buf(4);
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut mem);
        assert!(
            BookSide::load(&mut bytes[..]).is_err(),
            "uninitialised side must not load"
        );
        BookSide::init(&mut bytes[..], Side::Ask).unwrap();
        assert!(BookSide::load(&mut bytes[..]).is_ok());
        assert!(matches!(
            BookSide::load(&mut bytes[..100]),
            Err(EngineError::InvalidAccountData)
        ));
        assert!(matches!(
            BookSide::load(&mut bytes[1..65]),
            Err(EngineError::InvalidAccountData)
        ));
    }
}
