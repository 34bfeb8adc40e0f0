/*
 * bench_clock.h: the clocks and the median the benchmarks report with.
 * Header-only: each benchmark is one source file and one executable.
 *
 *   bench_wall_s         elapsed seconds (CLOCK_MONOTONIC)
 *   bench_thread_cpu_s   CPU seconds of the calling thread
 *   bench_process_cpu_s  user + system CPU seconds of the whole process
 *   bench_sort           sort n doubles in place (min first, max last)
 *   bench_median         their median (sorts them in place)
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline double bench_timespec_s(const struct timespec *ts)
{
    return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

static inline double bench_wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return bench_timespec_s(&ts);
}

static inline double bench_thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return bench_timespec_s(&ts);
}

static inline double bench_process_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static inline void bench_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
}

static inline double bench_median(double *v, int n)
{
    bench_sort(v, (size_t)n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
