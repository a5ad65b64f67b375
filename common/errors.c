/* errors.c — the name and message tables of the project's one error enumeration. */
#include "common.h"

#include <string.h>

static const char *const err_names[] = {
#define WT_ERR_NAME_(id, name, msg) [id] = name,
    WT_ERRORS(WT_ERR_NAME_)
#undef WT_ERR_NAME_
};

static const char *const err_messages[] = {
#define WT_ERR_MSG_(id, name, msg) [id] = msg,
    WT_ERRORS(WT_ERR_MSG_)
#undef WT_ERR_MSG_
};

_Static_assert(sizeof(err_names) / sizeof(err_names[0]) == WT_ERR_COUNT_, "one name per code");
_Static_assert(sizeof(err_messages) / sizeof(err_messages[0]) == WT_ERR_COUNT_,
               "one message per code");

const char *wt_errname(wt_err err)
{
    if ((unsigned)err >= (unsigned)WT_ERR_COUNT_)
        return "unknown_error";
    return err_names[err];
}

const char *wt_strerror(wt_err err)
{
    if ((unsigned)err >= (unsigned)WT_ERR_COUNT_)
        return "unknown error";
    return err_messages[err];
}

wt_err wt_err_from_name(const char *name)
{
    for (int i = 0; i < (int)WT_ERR_COUNT_; i++)
        if (strcmp(err_names[i], name) == 0)
            return (wt_err)i;
    return WT_ERR_COUNT_;
}
