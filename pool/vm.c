#include "pool/vm.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

size_t gcp__vm_page_size(void)
{
    static size_t page;
    if (!page) {
        long v = sysconf(_SC_PAGESIZE);
        page = v > 0 ? (size_t)v : 4096;
    }
    return page;
}

gcp_status gcp__vm_reserve(size_t size, uint8_t **out)
{
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return GCP_ESYS;
    *out = p;
    return GCP_OK;
}

gcp_status gcp__vm_unreserve(uint8_t *p, size_t size)
{
    return munmap(p, size) == 0 ? GCP_OK : GCP_ESYS;
}

gcp_status gcp__vm_commit(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return mprotect(p, size, PROT_READ | PROT_WRITE) == 0 ? GCP_OK : GCP_ESYS;
}

gcp_status gcp__vm_protect_none(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return mprotect(p, size, PROT_NONE) == 0 ? GCP_OK : GCP_ESYS;
}

gcp_status gcp__vm_decommit(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return madvise(p, size, MADV_DONTNEED) == 0 ? GCP_OK : GCP_ESYS;
}
