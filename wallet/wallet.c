/* wallet.c — placeholder until issue 3 lands. */
#include "wallet.h"
