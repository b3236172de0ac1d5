/*
 * attrib.h — where a simulated GEMM's time went: an optional observer of
 * the executor (gpu.c) that follows the simulation's own critical path
 * and, on request, records a timeline of the run (a span per CTA, binned
 * counters) for sim/run/trace.c and sim/run/timeline.c.
 *
 * Off by default: gpu_opts.rec is NULL and the executor then calls
 * nothing here. With a recorder the simulation plays exactly the same
 * requests in the same order (the recorder only reads times), so every
 * prediction is unchanged; the only thing added to the memory chain is a
 * pass-through level in front of the DRAM that notes when each block's
 * fill completes.
 *
 * The critical path. Every time the executor computes is the maximum of
 * the times of its predecessors plus a delay: a step's data arrives when
 * the slowest of its three transfers (SM port, A through L2, B through L2)
 * completes; an MMA starts when its data is there or when the tensor pipe
 * of its SM frees, whichever is later; a CTA starts when the previous CTA
 * of its slot ends. The recorder carries, for each such time, a vector of
 * picoseconds per part that sums exactly to the time: the vector of the
 * binding (latest) predecessor plus the delay, labelled by the resource
 * that imposed it. The vector of the kernel's end is the attribution; its
 * parts add up to the predicted time to the picosecond. The parts:
 *
 *   fixed   kernel launch overhead (and the split-K reduction kernel's)
 *   fill    exposed latency: the unloaded DRAM or L2 latency of loads and
 *           stores on the critical path — the pipeline filling at a CTA's
 *           start and draining at its end, and any latency the stages do
 *           not hide
 *   tensor  the SM's MMA pipe at work (tensor-core cycles of each k-step)
 *   dram    waiting for DRAM channels beyond their latency (queueing and
 *           service), and the final write-back of dirty lines
 *   l2      waiting for L2 slices beyond their hit latency
 *   port    the SM's load/store paths: the L2->SM port, and the part of
 *           a k-step's SM cycles that shared-memory operand reads add
 *           beyond the tensor-core cycles
 *   tail    the tensor, dram, l2 and port time on the critical path after
 *           the machine stopped being full for good: after the first CTA
 *           slot finds no CTA left to start (the ragged last wave; for a
 *           single partial wave, the spread between the first and the
 *           last CTA to end); fill and splitk keep their names there
 *   splitk  the epilogues of split-K / stream-K CTAs (partials stored,
 *           read back and summed) and the separate reduction kernel
 *
 * Cost: O(parts) per event, O(slots · stages + blocks) memory; with the
 * timeline, O(bins) per counter and a bounded number of spans.
 */
#ifndef RL_GPU_ATTRIB_H
#define RL_GPU_ATTRIB_H

#include <stdint.h>

#include <stddef.h>

#include "models/gemm.h"
#include "sim/engine/engine.h"
#include "sim/gpu/mem.h"

enum attrib_part {
	ATTRIB_FIXED,
	ATTRIB_FILL,
	ATTRIB_TENSOR,
	ATTRIB_DRAM,
	ATTRIB_L2,
	ATTRIB_PORT,
	ATTRIB_TAIL,
	ATTRIB_SPLITK,
	ATTRIB_NPARTS
};

/* Short names ("fixed", "fill", ...) in enum order. */
extern const char *const attrib_part_name[ATTRIB_NPARTS];

/* Picoseconds per part of the critical path up to some time. */
struct attrib_vec {
	uint64_t ps[ATTRIB_NPARTS];
};

/* One span of the timeline: a CTA (or, past ATTRIB_MAX_SPANS CTAs, a run
 * of consecutive CTAs of one slot) from start to end. */
struct attrib_span {
	sim_time_t t0, t1;   /* start of the first CTA, end of the last, ps */
	uint32_t sm, slot;   /* SM index; slot on that SM */
	uint64_t cta;        /* launch index of the first CTA */
	uint64_t count;      /* CTAs in the span (1 unless aggregated) */
	uint64_t tm, tn;     /* output tile of the first CTA */
	uint64_t slab, split;/* its split-K slab / stream-K piece, of split */
	uint64_t s0, s1;     /* its k-steps [s0, s1) */
	uint64_t k0, k1;     /* its k-range in elements [k0, k1) */
	double mma_ps;       /* tensor-core busy time of the span's MMAs, ps */
};

/* Spans kept at most, so that a trace of the largest GEMM stays bounded:
 * beyond this many CTAs, consecutive CTAs of a slot share one span. */
#define ATTRIB_MAX_SPANS 120000
/* Counter bins: the run is cut into at most this many equal bins (bins
 * double in width, pairwise merged, as the run grows). */
#define ATTRIB_BINS 1024

/* Binned counters over [0, nbins · bin_ps); each bin holds a sum. */
struct attrib_bins {
	unsigned nbins;        /* bins in use */
	sim_time_t bin_ps;     /* bin width, ps */
	double *dram_bytes;    /* bytes moved by the DRAM channels */
	double *l2_bytes;      /* bytes L2 delivered to or took from SMs */
	double *l2_read;       /* operand bytes requested from L2 */
	double *l2_hit;        /* of those, bytes that hit */
	double *tensor_ps;     /* tensor-core busy ps, summed over SMs */
	double *resident_ps;   /* CTA-ps resident, summed over SMs */
	double *sm_resident_ps;/* per SM: nsm rows of ATTRIB_BINS */
};

struct attrib_pend;

struct gpu_recorder {
	int timeline;          /* 1: also keep spans and counters */
	/* the run (set by attrib_begin) */
	unsigned nslots, cps, nsm, stages;
	uint64_t ctas, per_span;
	double mma_share;      /* tensor-core share of an SM pipe step */
	uint64_t mma_share_q20;/* the same in units of 2^-20 */
	double dram_bps;       /* DRAM bytes per ps, all channels */
	double l2_bps;         /* L2 slice bytes per ps, all slices */
	unsigned dram_ch;      /* DRAM channels */
	sim_time_t l2_lat, dram_lat; /* unloaded latencies, ps */
	sim_time_t t_tail;     /* the machine no longer full; MAX until then */
	uint64_t nids;
	sim_time_t *fill_end;  /* per block: when its last DRAM fill lands */
	sim_time_t *fill_start;/* per block: when that fill was requested */
	struct attrib_vec *cur;   /* per slot: vector at its current event */
	struct attrib_vec *v_sm;  /* per SM: vector of its last MMA's end */
	struct attrib_vec *vd;    /* per slot·stage: vector of the data's arrival */
	struct attrib_pend *pd;   /* per slot·stage: pending load */
	struct attrib_pend *pm;   /* per slot·stage: pending MMA */
	struct attrib_pend *pe;   /* per slot: pending epilogue */
	sim_time_t *cta_t0;       /* per slot: start of its current CTA */
	struct attrib_vec v_end;  /* vector of the last CTA's end */
	sim_time_t t_end;
	sim_time_t store_port, store_mem; /* last C store: port, L2 done */
	struct {
		struct gpu_mem base;
		struct gpu_recorder *rec;
	} probe;               /* the pass-through level in front of DRAM */
	/* the result */
	struct attrib_vec total; /* parts of the predicted time, ps */
	sim_time_t elapsed;    /* predicted time, ps (== sum of total) */
	/* the timeline */
	struct attrib_span *spans; /* finished spans, in end order */
	uint64_t nspans, cap_spans;
	struct attrib_span *open;  /* per slot: the span being filled */
	struct attrib_bins bins;
};

/* Set up a recorder (timeline: also record spans and counters); free its
 * buffers with attrib_destroy(). One recorder serves one simulation. */
void attrib_init(struct gpu_recorder *r, int timeline);
void attrib_destroy(struct gpu_recorder *r);
/* Exchange what two recorders hold (after their simulations: the what-if
 * rule of gpu.c keeps the recording of the kernel it keeps). */
void attrib_swap(struct gpu_recorder *a, struct gpu_recorder *b);

struct hw_spec;
struct trace;
struct trace_cta;
struct trace_step;

/* ---- hooks, called by gpu.c only when gpu_opts.rec is set ------------ */

/* Before the run: sizes the buffers. 0, or RL_EIO when out of memory. */
int attrib_begin(struct gpu_recorder *r, const struct hw_spec *hw,
		 const struct trace *tr, unsigned nsm, unsigned cps,
		 unsigned stages, sim_time_t t0);
/* The pass-through level to put in front of the DRAM `next` (NULL: the
 * chain builder, gpu_mem_chain_new(), links it). */
struct gpu_mem *attrib_probe(struct gpu_recorder *r, struct gpu_mem *next);
void attrib_cta_start(struct gpu_recorder *r, unsigned si, unsigned sm,
		      uint64_t idx, const struct trace *tr,
		      const struct trace_cta *c, sim_time_t now);
/* A load of step s issued at now: port, A and B completion times. */
void attrib_load(struct gpu_recorder *r, unsigned si, uint64_t s,
		 sim_time_t now, sim_time_t port, sim_time_t ta,
		 sim_time_t tb, const struct trace_step *st, unsigned share);
/* Step s's data arrived (ev_data), before any MMA is issued. */
void attrib_data(struct gpu_recorder *r, unsigned si, uint64_t s,
		 sim_time_t now);
/* MMA of step s issued at now on SM sm: starts at start, ends at end.
 * trig is the step whose arrival issued it. */
void attrib_mma(struct gpu_recorder *r, unsigned si, unsigned sm,
		uint64_t s, uint64_t trig, sim_time_t now, sim_time_t start,
		sim_time_t end);
/* MMA of step s ended (ev_mma_done), before anything is issued. */
void attrib_mma_done(struct gpu_recorder *r, unsigned si, unsigned sm,
		     uint64_t s, sim_time_t now);
/* The last C store of a whole tile: port and L2 completion times. */
void attrib_store(struct gpu_recorder *r, sim_time_t port, sim_time_t mem,
		  double bytes);
/* The epilogue issued at now completes at done (split: a split-K or
 * stream-K CTA's epilogue; else the last attrib_store() is its store). */
void attrib_epilogue(struct gpu_recorder *r, unsigned si, sim_time_t now,
		     sim_time_t done, int split);
/* The epilogue of the CTA (or of a stream-K unit's segment) in slot si
 * completed at now (ev_cta_done, first thing). */
void attrib_segment_done(struct gpu_recorder *r, unsigned si, sim_time_t now);
/* The CTA in slot si ended at now; more: CTAs remain to be started. */
void attrib_cta_done(struct gpu_recorder *r, unsigned si, sim_time_t now,
		     int more);
/* The separate split-K reduction kernel: launched at t0 (after the GEMM
 * kernel's end `end`), done at done. */
void attrib_reduce(struct gpu_recorder *r, sim_time_t end, sim_time_t t0,
		   sim_time_t done);
/* The end: the kernel(s) ended at end, the last write-back at elapsed
 * (>= end); fixes r->total. */
void attrib_finish(struct gpu_recorder *r, sim_time_t end,
		   sim_time_t elapsed);

/* ---- what if: sensitivities by re-simulation ------------------------ */

/* The resources doubled, one at a time: DRAM bandwidth
 * (hbm.bandwidth_gbps), L2 bandwidth (l2.bytes_per_clk), tensor rate
 * (tensor.<dtype>_flop_per_clk) and SM count (sm.count). */
#define ATTRIB_NSENS 4
extern const char *const attrib_sens_name[ATTRIB_NSENS];

/* The spec field that resource i of g's dtype is, e.g.
 * "tensor.bf16_flop_per_clk". */
void attrib_sens_field(int i, const struct gemm *g, char *out, size_t len);

struct gpu_opts;
/* speedup[i] = time_us / (the time of g on hw with resource i doubled),
 * each a full simulation (kernel choice included) of a clone of hw, as
 * `ridgeline gemm --set FIELD=2x` runs it; 0 where the doubled value is
 * outside the field's range. 0, or an error of gpu_simulate_gemm(). */
int attrib_sensitivities(const struct hw_spec *hw, const struct gemm *g,
			 const struct gpu_opts *opts, double time_us,
			 double speedup[ATTRIB_NSENS], char *err);

#endif
