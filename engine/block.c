/* block.c — block headers, the genesis hash, the Merkle root of a block's
 * txids. Pure: no I/O. (The chain parameters' codec is the wallet room's,
 * wallet/chain.c.) */
#include "ledger.h"

#include <string.h>

void wt_genesis_params_hash(uint8_t out[32], const wt_chain_params *params)
{
    uint8_t buf[8192];
    size_t n = wt_chain_params_encode(buf, sizeof buf, params);
    WT_ASSERT(n <= sizeof buf);
    wt_tagged_hash(out, "wattle/genesis", buf, n);
}

/* ----------------------------------------------------------- block header */

void wt_block_header_encode(uint8_t out[WT_BLOCK_HEADER_BYTES], const wt_block_header *h)
{
    uint8_t *p = out;
    *p++ = h->version;
    wt_put_be32(p, h->chain_id), p += 4;
    wt_put_be64(p, h->height), p += 8;
    memcpy(p, h->prev_hash, 32), p += 32;
    wt_put_be64(p, (uint64_t)h->time_ms), p += 8;
    wt_put_be64(p, h->interval), p += 8;
    wt_put_be32(p, h->tx_count), p += 4;
    memcpy(p, h->merkle_root, 32), p += 32;
    memcpy(p, h->state_hash, 32), p += 32;
    memcpy(p, h->operator_key, 32), p += 32;
    memcpy(p, h->signature, 64), p += 64;
    WT_ASSERT(p - out == WT_BLOCK_HEADER_BYTES);
}

wt_err wt_block_header_decode(wt_block_header *h, const uint8_t *data, size_t data_len)
{
    memset(h, 0, sizeof *h);
    if (data_len != WT_BLOCK_HEADER_BYTES)
        return WT_ERR_BAD_LENGTH;
    const uint8_t *p = data;
    h->version = *p++;
    if (h->version != WT_BLOCK_VERSION) {
        memset(h, 0, sizeof *h);
        return WT_ERR_TX_VERSION;
    }
    h->chain_id = wt_get_be32(p), p += 4;
    h->height = wt_get_be64(p), p += 8;
    memcpy(h->prev_hash, p, 32), p += 32;
    h->time_ms = (int64_t)wt_get_be64(p), p += 8;
    h->interval = wt_get_be64(p), p += 8;
    h->tx_count = wt_get_be32(p), p += 4;
    memcpy(h->merkle_root, p, 32), p += 32;
    memcpy(h->state_hash, p, 32), p += 32;
    memcpy(h->operator_key, p, 32), p += 32;
    memcpy(h->signature, p, 64);
    return WT_OK;
}

void wt_block_hash(uint8_t out[32], const wt_block_header *header)
{
    uint8_t buf[WT_BLOCK_HEADER_BYTES];
    wt_block_header_encode(buf, header);
    wt_tagged_hash(out, "wattle/block", buf, WT_BLOCK_HEADER_BYTES - 64);
}

/* ----------------------------------------------------------------- merkle */

/* With the tags' midstates kept in the builder, a leaf costs one SHA-256
 * compression and an inner node two, instead of three and four. */
static void merkle_leaf(uint8_t out[32], const wt_merkle_builder *b, const uint8_t txid[32])
{
    wt_tagged_hasher h = b->leaf_tag;
    wt_tagged_hash_update(&h, txid, 32);
    wt_tagged_hash_final(out, &h);
}

static void merkle_node(uint8_t out[32], const wt_merkle_builder *b, const uint8_t left[32],
                        const uint8_t right[32])
{
    wt_tagged_hasher h = b->node_tag;
    wt_tagged_hash_update(&h, left, 32);
    wt_tagged_hash_update(&h, right, 32);
    wt_tagged_hash_final(out, &h);
}

void wt_merkle_init(wt_merkle_builder *b)
{
    wt_tagged_hash_init(&b->leaf_tag, "wattle/merkle-leaf");
    wt_tagged_hash_init(&b->node_tag, "wattle/merkle-node");
    b->count = 0;
}

/* Leaves and inner nodes are hashed under different tags, so an inner node
 * can never be passed off as a leaf (no second preimage across levels). A
 * new leaf joins the complete subtrees of 1, 2, 4, ... leaves before it
 * while the count's binary digits carry, as the level-by-level pairing
 * would join them. */
void wt_merkle_add(wt_merkle_builder *b, const uint8_t txid[32])
{
    WT_ASSERT(b->count < UINT64_MAX);
    uint8_t h[32];
    merkle_leaf(h, b, txid);
    unsigned k = 0;
    for (uint64_t c = b->count; c & 1; c >>= 1, k++)
        merkle_node(h, b, b->subtree[k], h);
    memcpy(b->subtree[k], h, 32);
    b->count++;
}

/* An odd node is carried up as it is: the partial subtrees at the right
 * edge (the count's low digits) are joined smallest first, each under the
 * next larger one on its left. */
void wt_merkle_final(uint8_t out[32], const wt_merkle_builder *b)
{
    if (b->count == 0) {
        memset(out, 0, 32);
        return;
    }
    unsigned k = 0;
    while (((b->count >> k) & 1) == 0)
        k++;
    uint8_t acc[32];
    memcpy(acc, b->subtree[k], 32);
    for (k++; k < 64; k++)
        if ((b->count >> k) & 1)
            merkle_node(acc, b, b->subtree[k], acc);
    memcpy(out, acc, 32);
}

void wt_merkle_root(uint8_t out[32], const uint8_t (*txids)[32], size_t count)
{
    wt_merkle_builder b;
    wt_merkle_init(&b);
    for (size_t i = 0; i < count; i++)
        wt_merkle_add(&b, txids[i]);
    wt_merkle_final(out, &b);
}

/* ------------------------------------------------------------ signatures */

wt_err wt_block_sign(const wt_ctx *ctx, wt_block_header *header, const wt_seckey *operator_key)
{
    if (memcmp(header->operator_key, operator_key->pubkey, 32) != 0)
        return WT_ERR_BAD_KEY;
    uint8_t hash[32];
    wt_block_hash(hash, header);
    return wt_sign(ctx, header->signature, hash, 32, operator_key);
}

bool wt_block_verify(const wt_ctx *ctx, const wt_block_header *header)
{
    uint8_t hash[32];
    wt_block_hash(hash, header);
    return wt_verify(ctx, header->signature, hash, 32, header->operator_key);
}
