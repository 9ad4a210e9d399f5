//! The red-black tree under a book side: node links, in-order walks, node
//! allocation from the free list, rotations, and insert and remove with
//! their fixups (CLRS, with a sentinel at index `NIL`). Every loop is bounded
//! by [`MAX_TREE_HEIGHT`] or the side's capacity. The ordering itself
//! (`ranks_before`: price, then time) is the book's, in `book.rs`.

use super::*;

impl<'a> BookSide<'a> {
    // ---- links -------------------------------------------------------
    #[inline(always)]
    pub(super) fn left(&self, i: u32) -> u32 {
        self.nodes[i as usize].left
    }
    #[inline(always)]
    pub(super) fn right(&self, i: u32) -> u32 {
        self.nodes[i as usize].right
    }
    #[inline(always)]
    pub(super) fn parent(&self, i: u32) -> u32 {
        self.nodes[i as usize].parent
    }
    #[inline(always)]
    pub(super) fn color(&self, i: u32) -> u8 {
        self.nodes[i as usize].color
    }
    #[inline(always)]
    pub(super) fn set_left(&mut self, i: u32, v: u32) {
        self.nodes[i as usize].left = v;
    }
    #[inline(always)]
    pub(super) fn set_right(&mut self, i: u32, v: u32) {
        self.nodes[i as usize].right = v;
    }
    #[inline(always)]
    pub(super) fn set_parent(&mut self, i: u32, v: u32) {
        self.nodes[i as usize].parent = v;
    }
    #[inline(always)]
    pub(super) fn set_color(&mut self, i: u32, c: u8) {
        self.nodes[i as usize].color = c;
    }

    // The fixups and rotations are written once for a side `LEFT` (true:
    // the left child) and instantiated for both, so the mirrored halves of
    // the textbook algorithm are one source and still branch-free on SBF.
    #[inline(always)]
    pub(super) fn child<const LEFT: bool>(&self, i: u32) -> u32 {
        if LEFT { self.left(i) } else { self.right(i) }
    }
    #[inline(always)]
    pub(super) fn set_child<const LEFT: bool>(&mut self, i: u32, v: u32) {
        if LEFT {
            self.set_left(i, v)
        } else {
            self.set_right(i, v)
        }
    }
    /// The child on the side opposite `LEFT`.
    #[inline(always)]
    pub(super) fn other_child<const LEFT: bool>(&self, i: u32) -> u32 {
        if LEFT { self.right(i) } else { self.left(i) }
    }
    #[inline(always)]
    pub(super) fn set_other_child<const LEFT: bool>(&mut self, i: u32, v: u32) {
        if LEFT {
            self.set_right(i, v)
        } else {
            self.set_left(i, v)
        }
    }

    pub(super) fn minimum(&self, mut i: u32) -> u32 {
        for _ in 0..MAX_TREE_HEIGHT {
            let l = self.left(i);
            if l == NIL {
                break;
            }
            i = l;
        }
        i
    }

    pub(super) fn maximum(&self, mut i: u32) -> u32 {
        for _ in 0..MAX_TREE_HEIGHT {
            let r = self.right(i);
            if r == NIL {
                break;
            }
            i = r;
        }
        i
    }

    /// The worst resting order's index, `NIL` when empty. O(log n).
    pub fn worst(&self) -> u32 {
        if self.header.root == NIL {
            NIL
        } else {
            self.maximum(self.header.root)
        }
    }

    /// The next order in priority order after `i`, `NIL` at the end. O(log n) worst case.
    pub fn next(&self, i: u32) -> u32 {
        let r = self.right(i);
        if r != NIL {
            return self.minimum(r);
        }
        let mut x = i;
        let mut y = self.parent(x);
        for _ in 0..MAX_TREE_HEIGHT {
            if y == NIL || x != self.right(y) {
                break;
            }
            x = y;
            y = self.parent(y);
        }
        y
    }

    // ---- allocation ----------------------------------------------------
    pub(super) fn alloc(&mut self) -> Result<u32, EngineError> {
        if self.is_full() {
            return Err(EngineError::BookFull);
        }
        let head = self.header.free_head;
        if head != NIL {
            self.header.free_head = self.nodes[head as usize].left;
            return Ok(head);
        }
        let b = self.header.bump;
        if b > self.header.capacity {
            return Err(EngineError::BookFull);
        }
        self.header.bump = b + 1;
        Ok(b)
    }

    /// Put node `i` on the free list. Only what marks it free is written
    /// (the tag, the list link, the tree links, the size): a free node's
    /// other bytes are never read, and this runs once per maker taken.
    pub(super) fn release(&mut self, i: u32) {
        let free_head = self.header.free_head;
        let n = &mut self.nodes[i as usize];
        n.left = free_head;
        n.right = NIL;
        n.parent = NIL;
        n.color = BLACK;
        n.tag = TAG_FREE;
        n.base_lots = BaseLots::ZERO;
        self.header.free_head = i;
    }

    // ---- rotations -----------------------------------------------------
    /// Rotate `x` down to the `LEFT` side: its child on the other side
    /// takes its place (`rotate::<true>` is the textbook left rotation).
    pub(super) fn rotate<const LEFT: bool>(&mut self, x: u32) {
        let y = self.other_child::<LEFT>(x);
        let inner = self.child::<LEFT>(y);
        self.set_other_child::<LEFT>(x, inner);
        if inner != NIL {
            self.set_parent(inner, x);
        }
        let xp = self.parent(x);
        self.set_parent(y, xp);
        if xp == NIL {
            self.header.root = y;
        } else if x == self.left(xp) {
            self.set_left(xp, y);
        } else {
            self.set_right(xp, y);
        }
        self.set_child::<LEFT>(y, x);
        self.set_parent(x, y);
    }

    /// Rotate `x` down to the side opposite `LEFT`.
    #[inline(always)]
    pub(super) fn rotate_other<const LEFT: bool>(&mut self, x: u32) {
        if LEFT {
            self.rotate::<false>(x)
        } else {
            self.rotate::<true>(x)
        }
    }

    // ---- insert --------------------------------------------------------
    /// Insert an order; returns its node index. Fails with `BookFull` when no node is free.
    pub fn insert(&mut self, order: OrderNode) -> Result<u32, EngineError> {
        let z = self.alloc()?;
        let (price, seq) = (order.price, order.seq);
        let mask = self.rank_mask();
        let mut y = NIL;
        let mut x = self.header.root;
        let mut go_left = false;
        for _ in 0..MAX_TREE_HEIGHT {
            if x == NIL {
                break;
            }
            y = x;
            go_left = Self::ranks_before_keyed(mask, price, seq, self.node(x));
            x = if go_left { self.left(x) } else { self.right(x) };
        }
        self.nodes[z as usize] = OrderNode {
            left: NIL,
            right: NIL,
            parent: y,
            color: RED,
            tag: TAG_ORDER,
            ..order
        };
        if y == NIL {
            self.header.root = z;
        } else if go_left {
            self.set_left(y, z);
        } else {
            self.set_right(y, z);
        }
        let best = self.header.best;
        if best == NIL || Self::ranks_before_keyed(mask, price, seq, self.node(best)) {
            self.header.best = z;
        }
        self.header.count += 1;
        self.insert_fixup(z);
        Ok(z)
    }

    pub(super) fn insert_fixup(&mut self, mut z: u32) {
        for _ in 0..MAX_TREE_HEIGHT {
            let p = self.parent(z);
            if self.color(p) != RED {
                break;
            }
            let g = self.parent(p);
            z = if p == self.left(g) {
                self.insert_fixup_step::<true>(z, p, g)
            } else {
                self.insert_fixup_step::<false>(z, p, g)
            };
        }
        let r = self.header.root;
        self.set_color(r, BLACK);
    }

    /// One step for red `z` under red parent `p`, the `LEFT` child of `g`;
    /// returns the node to continue from.
    #[inline(always)]
    pub(super) fn insert_fixup_step<const LEFT: bool>(
        &mut self,
        mut z: u32,
        p: u32,
        g: u32,
    ) -> u32 {
        let uncle = self.other_child::<LEFT>(g);
        if self.color(uncle) == RED {
            self.set_color(p, BLACK);
            self.set_color(uncle, BLACK);
            self.set_color(g, RED);
            return g;
        }
        if z == self.other_child::<LEFT>(p) {
            z = p;
            self.rotate::<LEFT>(z);
        }
        let p = self.parent(z);
        let g = self.parent(p);
        self.set_color(p, BLACK);
        self.set_color(g, RED);
        self.rotate_other::<LEFT>(g);
        z
    }

    // ---- delete --------------------------------------------------------
    pub(super) fn transplant(&mut self, u: u32, v: u32) {
        let up = self.parent(u);
        if up == NIL {
            self.header.root = v;
        } else if u == self.left(up) {
            self.set_left(up, v);
        } else {
            self.set_right(up, v);
        }
        // Writes the sentinel's parent when v == NIL, as CLRS intends.
        self.set_parent(v, up);
    }

    /// Remove node `z` from the tree and free it. Other nodes keep their
    /// indices.
    pub fn remove(&mut self, z: u32) -> Result<(), EngineError> {
        if !self.is_order(z) {
            return Err(EngineError::OrderNotFound);
        }
        let best = self.header.best;
        self.unlink(z, if best == z { self.next(z) } else { best });
        Ok(())
    }

    /// [`remove`](Self::remove) for a caller that already walked to `z`'s
    /// successor `next` (the match loop does, to continue): the cached best
    /// moves there without a second walk.
    pub(crate) fn remove_before(&mut self, z: u32, next: u32) -> Result<(), EngineError> {
        if !self.is_order(z) {
            return Err(EngineError::OrderNotFound);
        }
        debug_assert_eq!(next, self.next(z), "the successor given is not z's");
        let best = self.header.best;
        self.unlink(z, if best == z { next } else { best });
        Ok(())
    }

    /// Take the live node `z` out of the tree and free it; `best` is the
    /// side's best order once it is gone.
    fn unlink(&mut self, z: u32, best: u32) {
        self.header.best = best;
        let mut y_color = self.color(z);
        let x;
        if self.left(z) == NIL {
            x = self.right(z);
            self.transplant(z, x);
        } else if self.right(z) == NIL {
            x = self.left(z);
            self.transplant(z, x);
        } else {
            let y = self.minimum(self.right(z));
            y_color = self.color(y);
            x = self.right(y);
            if self.parent(y) == z {
                self.set_parent(x, y);
            } else {
                self.transplant(y, x);
                let zr = self.right(z);
                self.set_right(y, zr);
                self.set_parent(zr, y);
            }
            self.transplant(z, y);
            let zl = self.left(z);
            self.set_left(y, zl);
            self.set_parent(zl, y);
            let zc = self.color(z);
            self.set_color(y, zc);
        }
        if y_color == BLACK {
            self.delete_fixup(x);
        }
        // Keep the sentinel pristine: a removal writes only its parent
        // link (`transplant`) and its colour (black already, rewritten).
        let sentinel = &mut self.nodes[NIL as usize];
        sentinel.parent = NIL;
        sentinel.color = BLACK;
        self.release(z);
        self.header.count -= 1;
    }

    pub(super) fn delete_fixup(&mut self, mut x: u32) {
        for _ in 0..MAX_TREE_HEIGHT {
            if x == self.header.root || self.color(x) != BLACK {
                break;
            }
            x = if x == self.left(self.parent(x)) {
                self.delete_fixup_step::<true>(x)
            } else {
                self.delete_fixup_step::<false>(x)
            };
        }
        self.set_color(x, BLACK);
    }

    /// One step for the doubly black `x`, the `LEFT` child of its parent;
    /// returns the node to continue from (the root once fixed).
    #[inline(always)]
    pub(super) fn delete_fixup_step<const LEFT: bool>(&mut self, x: u32) -> u32 {
        let p = self.parent(x);
        let mut w = self.other_child::<LEFT>(p);
        if self.color(w) == RED {
            self.set_color(w, BLACK);
            self.set_color(p, RED);
            self.rotate::<LEFT>(p);
            w = self.other_child::<LEFT>(self.parent(x));
        }
        if self.color(self.child::<LEFT>(w)) == BLACK
            && self.color(self.other_child::<LEFT>(w)) == BLACK
        {
            self.set_color(w, RED);
            return self.parent(x);
        }
        if self.color(self.other_child::<LEFT>(w)) == BLACK {
            let near = self.child::<LEFT>(w);
            self.set_color(near, BLACK);
            self.set_color(w, RED);
            self.rotate_other::<LEFT>(w);
            w = self.other_child::<LEFT>(self.parent(x));
        }
        let p = self.parent(x);
        let pc = self.color(p);
        self.set_color(w, pc);
        self.set_color(p, BLACK);
        let far_child = self.other_child::<LEFT>(w);
        self.set_color(far_child, BLACK);
        self.rotate::<LEFT>(p);
        self.header.root
    }
}
