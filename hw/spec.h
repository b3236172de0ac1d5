/*
 * spec.h — a GPU hardware specification: load from JSON, validate strictly,
 * address fields by dotted path, derive peak rates.
 *
 * A hardware file groups its values as sm, clock, tensor, l2, hbm, launch;
 * every value is an object {"value": V, "source": "where V comes from"}.
 * Dotted paths ("hbm.bandwidth_gbps", "sm.count", "clock.sustained_mhz") are
 * a stable interface: sweeps (sim/run) set fields through hw_spec_set().
 *
 * Ownership: hw_spec_load() returns a spec the caller frees with
 * hw_spec_free(); hw_spec_clone() deep-copies; hw_spec_to_json() returns a
 * cJSON tree the caller frees with cJSON_Delete().
 */
#ifndef RL_HW_SPEC_H
#define RL_HW_SPEC_H

#include "hw/common.h"

struct cJSON;

#define HW_NAME_LEN 96

struct hw_spec {
	char name[HW_NAME_LEN];         /* short name, e.g. "a100-80gb-pcie" */
	char display_name[HW_NAME_LEN]; /* for titles, e.g. "A100 80GB PCIe" */
	char path[512];                 /* file it was loaded from ("" if derived) */
	struct {
		double count;        /* streaming multiprocessors */
		double shared_kb;    /* max shared memory per SM usable by CTAs, KiB */
		double registers;    /* 32-bit registers per SM */
		double max_ctas;     /* resident CTAs per SM */
		double max_warps;    /* resident warps per SM */
		double l2_bytes_per_clk; /* L2->SM load bandwidth per SM, bytes/clock */
		double smem_bytes_per_clk; /* shared-memory read bandwidth per SM, bytes/clock */
		double cluster_multicast; /* CTAs sharing one L2 read of an operand tile (TMA multicast), 1 = none */
		double fp32_per_clk; /* FP32 lanes per SM (results per clock); 0 = not given */
		double sfu_per_clk;  /* special-function (exp2) results per clock per SM; 0 = not given */
	} sm;
	struct {
		double boost_mhz;     /* datasheet boost clock (defines the peak), MHz */
		double sustained_mhz; /* clock held under sustained tensor load, MHz */
		double burst_mhz;     /* clock at the start of a busy period, before the
				       * power limit pulls it to sustained_mhz; 0 = none */
		double power_window_ms; /* time constant of that decay, ms; 0 = none */
	} clock;
	struct {
		double fp16_flop_per_clk; /* dense fp16 FLOP per clock per SM */
		double bf16_flop_per_clk; /* dense bf16 FLOP per clock per SM */
		double fp8_flop_per_clk;  /* dense fp8 FLOP per clock per SM, 0 = none */
		double warpgroup_mma;     /* 1: MMAs read operands from shared memory once per
					   * warpgroup (wgmma, tcgen05); 0: each warp loads its
					   * fragments (ldmatrix, SM80) */
		double pair_mma;          /* 1: one MMA spans an SM pair, each SM loading half
					   * of the B tile (tcgen05 cta_group::2); 0: none */
	} tensor;
	struct {
		double size_mb;          /* capacity, MiB */
		double slices;           /* number of slices */
		double partitions;       /* partitions that each cache what their SMs read
					  * (data read by all SMs is held once per
					  * partition); 0 = one unified L2 */
		double bytes_per_clk;    /* aggregate read bandwidth, bytes/clock */
		double hit_latency_cycles; /* load-to-use latency on a hit, cycles */
	} l2;
	struct {
		double channels;       /* independent channels (pseudo-channels) */
		double bandwidth_gbps; /* datasheet peak, GB/s (1e9 B/s) */
		double latency_ns;     /* idle load latency, ns */
		double efficiency;     /* sustained fraction of peak (row-buffer, refresh) */
		double capacity_gb;    /* device memory, GB (1e9 B); 0 = not given */
	} hbm;
	struct {
		double overhead_us; /* kernel launch + completion overhead per GEMM, µs */
		double splitk_reduction_kernel; /* 1: split-K partials are summed by a
						 * second kernel (one more launch);
						 * 0: by the last CTA of each tile */
	} launch;
	struct {
		double bandwidth_gbps; /* GPU-to-GPU link, one direction, per GPU, GB/s
					* (NVLink or PCIe); 0 = not given */
		double latency_us;     /* per step of a ring all-reduce (one hop:
					* synchronisation + link), µs */
	} link;
	char *source[64]; /* per field (index as in hw_spec_fields), owned */
	char *notes;      /* optional free text from the file, owned, or NULL */
	struct hw_spec *origin; /* a what-if GPU (hw_spec_what_if): the spec
				 * its fields were changed from, owned; NULL
				 * for a spec as loaded */
};

/* Descriptor of one numeric field, for validation, sweeps and printing. */
struct hw_field {
	const char *path;  /* dotted path, e.g. "hbm.bandwidth_gbps" */
	size_t offset;     /* offsetof(struct hw_spec, ...) of the double */
	int integer;       /* value must be integral */
	double min, max;   /* valid range, inclusive */
	int optional;      /* may be absent (value 0) */
	const char *unit;  /* for hw show */
};

/* The field table, terminated by a NULL path; *n receives the count. */
const struct hw_field *hw_spec_fields(size_t *n);

/* Load by name (searched in the data path, see data.h) or by path. */
int hw_spec_load(const char *name_or_path, struct hw_spec **out, char *err);

/* Parse from an in-memory JSON text; `file` names it in messages. */
int hw_spec_parse(const char *text, const char *file, struct hw_spec **out,
		  char *err);

/* Free s and the sources it owns (NULL is allowed). */
void hw_spec_free(struct hw_spec *s);
/* A deep copy of s (its own sources), freed by hw_spec_free(); NULL when
 * out of memory. */
struct hw_spec *hw_spec_clone(const struct hw_spec *s);

/* Mark s as a what-if GPU before its fields are changed (--set, a sweep,
 * the library's setter): s as it is now becomes s->origin, unless it has
 * one already. The chooser then keeps the origin's kernel as a candidate
 * (gpu.h). replace: take s as it is now even if it has an origin (a what-if
 * relative to a what-if). 0, or RL_EIO when out of memory. */
int hw_spec_what_if(struct hw_spec *s, int replace);
/* Drop s->origin: s is a GPU in its own right (a calibrated spec). */
void hw_spec_forget_origin(struct hw_spec *s);

/* Set a field by dotted path and re-validate its range. */
int hw_spec_set(struct hw_spec *s, const char *path, double v, char *err);
/* Read a field by dotted path; returns RL_EINPUT if no such path. */
int hw_spec_get(const struct hw_spec *s, const char *path, double *v);
/* The descriptor of a dotted path and its index in hw_spec_fields()
 * (index may be NULL); NULL if no such field. */
const struct hw_field *hw_spec_field(const char *path, size_t *index);
/* Cross-field checks that hw_spec_set() leaves to the caller, because a
 * sweep may set several fields in any order: clock.sustained_mhz <=
 * clock.boost_mhz, sm.max_ctas <= sm.max_warps, l2.bytes_per_clk >=
 * sm.l2_bytes_per_clk, clock.sustained_mhz <= clock.burst_mhz <=
 * clock.boost_mhz (burst 0 = none), power window set exactly when burst
 * is. Loading runs them too. 0 or RL_EINPUT. */
int hw_spec_check(const struct hw_spec *s, char *err);

/* Full spec as JSON in the file format (values and sources). */
struct cJSON *hw_spec_to_json(const struct hw_spec *s);

/* Derived rates. Peak uses the boost clock (datasheet figure); sustained
 * uses clock.sustained_mhz. FLOP/s. 0 if the dtype is unsupported. */
/* Dense tensor FLOP per clock per SM for a dtype (0 = none). */
double hw_spec_flop_per_clk(const struct hw_spec *s, enum rl_dtype d);
double hw_spec_peak_flops(const struct hw_spec *s, enum rl_dtype d);
double hw_spec_sustained_flops(const struct hw_spec *s, enum rl_dtype d);
/* The power-limited clock, MHz: a busy period starts at clock.burst_mhz
 * and relaxes to clock.sustained_mhz as exp(-t / clock.power_window_ms);
 * returns the mean over the window [before_us, before_us + window_us] of
 * busy time. clock.sustained_mhz when the spec has no burst clock. */
double hw_spec_mean_clock_mhz(const struct hw_spec *s, double before_us,
			      double window_us);
/* L2 bytes that hold data read by SMs of every partition (a GEMM's
 * operands): l2.size_mb / l2.partitions. */
double hw_spec_l2_shared_bytes(const struct hw_spec *s);
/* Datasheet HBM bandwidth, bytes/s; effective = × hbm.efficiency. */
double hw_spec_bandwidth(const struct hw_spec *s);
double hw_spec_effective_bandwidth(const struct hw_spec *s);
/* Ridge point of the datasheet roofline, FLOP/byte. */
double hw_spec_ridge(const struct hw_spec *s, enum rl_dtype d);

/* The machine a simulation runs on: the rates and limits the chooser, the
 * executor and the memory levels read, derived from a spec in one step
 * (hw_machine_of) so that no component recomputes them from the spec's
 * fields. SI units; the SM clock is the spec's clock.sustained_mhz (the
 * caller sets the power-limited clock of a call in the spec first). */
struct hw_machine {
	double clk;        /* SM clock, Hz */
	double sms;        /* SMs */
	double dram_bw;    /* achievable DRAM bandwidth (datasheet × efficiency), B/s */
	double dram_lat;   /* DRAM load latency, s */
	double l2_bw;      /* aggregate L2 bandwidth at clk, B/s */
	double l2_lat;     /* L2 hit latency at clk, s */
	double l2_bytes;   /* L2 bytes a GEMM's operands can hold (per partition) */
	double port_bw;    /* one SM's L2->SM load/store port at clk, B/s */
	double launch;     /* kernel launch overhead, s */
};
void hw_machine_of(const struct hw_spec *s, struct hw_machine *m);

#endif
