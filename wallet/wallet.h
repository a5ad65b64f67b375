/* wallet.h — keys, addresses, tagged hashes, BIP340 signatures and the
 * canonical transaction codec (issue 3; being built). May use: common. */
#ifndef WATTLE_WALLET_H
#define WATTLE_WALLET_H

#include "common.h"

#endif /* WATTLE_WALLET_H */
