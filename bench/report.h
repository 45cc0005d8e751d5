/* SPDX-License-Identifier: MIT */
/* gcpool-bench output: the tables, the CSV rows and the gnuplot figure. */
#ifndef GCPB_REPORT_H
#define GCPB_REPORT_H

#include <stdio.h>

#include "bench/bench.h"

/* The CSV header line (without newline). */
#define GCPB_CSV_HEADER                                                               \
    "workload,system,collector,k,threads,max_heap_bytes,ns_per_cycle_median,"        \
    "ns_per_cycle_min,ns_per_cycle_max,cycles_per_sec,min_fit_bytes,peak_heap_bytes,"   \
    "collections,longest_gc_ns,longest_step_ns"

const char *report_workload_name(const bcell *c);
const char *report_collector_name(int collector);
void report_header(FILE *f, unsigned threads, unsigned reps, double rep_ns);
void report_tables(FILE *f, const bcell *cells, size_t n);
void report_csv(FILE *f, const bcell *cells, size_t n);
/* The gnuplot command: $GNUPLOT if set, else "gnuplot". */
const char *report_gnuplot(void);
/* Draws the 1-thread churn cells; 0, or -1 if gnuplot failed. */
int report_plot(const char *png, const bcell *cells, size_t n);

#endif
