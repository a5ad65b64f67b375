/* fake_node.h — a small stand-in for wattled in the client's tests: the
 * HTTP/JSON endpoints and the nng REQ/REP submission socket of engine-api.md
 * on random loopback ports, over a toy ledger (balances, nonces, mint/burn by
 * the issuer, transfers) that checks signatures, chain id, nonce and expiry
 * with the real wallet codec. Each runs in its own threads. */
#ifndef WATTLE_TESTS_FAKE_NODE_H
#define WATTLE_TESTS_FAKE_NODE_H

#include <stdint.h>

typedef struct fake_node fake_node;

/* Aborts the test on a system error. */
fake_node *fake_node_start(uint32_t chain_id, const uint8_t issuer[32]);
void fake_node_stop(fake_node *node);
const char *fake_node_http_url(const fake_node *node); /* "http://127.0.0.1:PORT" */
const char *fake_node_nng_url(const fake_node *node);  /* "tcp://127.0.0.1:PORT" */
/* Transactions committed so far (duplicates not counted). */
uint64_t fake_node_committed(fake_node *node);

#endif /* WATTLE_TESTS_FAKE_NODE_H */
