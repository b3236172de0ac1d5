/* tracefile.c — Chrome trace-event JSON of one simulation (see tracefile.h). */
#include "config.h"

#include "sim/run/tracefile.h"

#include <stdio.h>
#include <string.h>

#include "hw/common.h"
#include "sim/run/output.h"

/* Picoseconds as trace microseconds, exactly. */
static void ts(FILE *f, sim_time_t ps)
{
	fprintf(f, "%llu.%06llu", (unsigned long long)(ps / SIM_PS_PER_US),
		(unsigned long long)(ps % SIM_PS_PER_US));
}

static void counter(FILE *f, const char *name, const char *key,
		    sim_time_t t, double v)
{
	fprintf(f, ",\n{\"ph\":\"C\",\"pid\":0,\"name\":\"%s\",\"ts\":", name);
	ts(f, t);
	fprintf(f, ",\"args\":{\"%s\":%.6g}}", key, v);
}

int tracefile_write(const char *path, const struct gpu_recorder *rec,
		    const char *hw, const struct gemm *g,
		    const struct gpu_result *res, char *err)
{
	const struct attrib_bins *b = &rec->bins;
	struct out_file o;
	FILE *f;
	uint64_t played = 0; /* fewer than ctas when gpu.c folded waves */

	for (uint64_t i = 0; i < rec->nspans; i++)
		played += rec->spans[i].count;
	if (!rec->timeline || !rec->spans) {
		rl_errf(err, "%s: no timeline was recorded", path);
		return RL_EIO;
	}
	if (out_file_open_path(&o, path, err) != RL_OK)
		return RL_EIO;
	f = o.f;
	fprintf(f, "{\"displayTimeUnit\":\"ns\",\n\"otherData\":{"
		   "\"ridgeline\":\"%s\",\"hw\":\"%s\",\"m\":%llu,\"n\":%llu,"
		   "\"k\":%llu,\"dtype\":\"%s\",\"tile\":\"%s\",\"split_k\":%d,"
		   "\"ctas\":%d,\"time_us\":%.6f,\"sms\":%u,\"slots_per_sm\":%u,"
		   "\"ctas_per_span\":%llu,\"ctas_played\":%llu,"
		   "\"bin_us\":%.6f",
		PACKAGE_VERSION, hw, (unsigned long long)g->m,
		(unsigned long long)g->n, (unsigned long long)g->k,
		rl_dtype_name(g->dtype), res->tile, res->split_k, res->ctas,
		res->time_us, rec->nsm, rec->cps,
		(unsigned long long)rec->per_span, (unsigned long long)played,
		(double)b->bin_ps / SIM_PS_PER_US);
	for (int i = 0; i < ATTRIB_NPARTS; i++)
		fprintf(f, ",\"time_%s_us\":%.6f", attrib_part_name[i],
			(double)rec->total.ps[i] / SIM_PS_PER_US);
	fprintf(f, "},\n\"traceEvents\":[\n"
		   "{\"ph\":\"M\",\"pid\":0,\"name\":\"process_name\","
		   "\"args\":{\"name\":\"GPU\"}}");
	for (unsigned i = 0; i < rec->nsm; i++) {
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":%u,\"name\":\"process_name\","
			   "\"args\":{\"name\":\"SM %u\"}}", i + 1, i);
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":%u,\"name\":"
			   "\"process_sort_index\",\"args\":{\"sort_index\":%u}}",
			i + 1, i + 1);
		for (unsigned j = 0; j < rec->cps; j++)
			fprintf(f, ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
				   "\"name\":\"thread_name\",\"args\":"
				   "{\"name\":\"slot %u\"}}", i + 1, j, j);
	}
	for (uint64_t i = 0; i < rec->nspans; i++) {
		const struct attrib_span *s = &rec->spans[i];

		fprintf(f, ",\n{\"ph\":\"X\",\"cat\":\"cta\",\"name\":\"CTA %llu,%llu\","
			   "\"pid\":%u,\"tid\":%u,\"ts\":",
			(unsigned long long)s->tm, (unsigned long long)s->tn,
			s->sm + 1, s->slot);
		ts(f, s->t0);
		fputs(",\"dur\":", f);
		ts(f, s->t1 - s->t0);
		fprintf(f, ",\"args\":{\"cta\":%llu,\"ctas\":%llu,\"tile_m\":%llu,"
			   "\"tile_n\":%llu,\"k0\":%llu,\"k1\":%llu,\"slab\":%llu,"
			   "\"split\":%llu,\"mma_us\":%.6f}}",
			(unsigned long long)s->cta, (unsigned long long)s->count,
			(unsigned long long)s->tm, (unsigned long long)s->tn,
			(unsigned long long)s->k0, (unsigned long long)s->k1,
			(unsigned long long)s->slab, (unsigned long long)s->split,
			s->mma_ps / SIM_PS_PER_US);
	}
	for (unsigned k = 0; k < b->nbins; k++) {
		sim_time_t t = (sim_time_t)k * b->bin_ps;
		sim_time_t w = t + b->bin_ps > rec->elapsed ?
			rec->elapsed - t : b->bin_ps;

		if (t >= rec->elapsed)
			break;
		if (w == 0)
			w = 1;
		/* bytes per ps are TB/s */
		counter(f, "DRAM bandwidth", "GB/s", t,
			b->dram_bytes[k] / (double)w * 1e3);
		counter(f, "L2 bandwidth", "GB/s", t,
			b->l2_bytes[k] / (double)w * 1e3);
		counter(f, "L2 hit rate", "hit", t,
			b->l2_read[k] > 0 ? b->l2_hit[k] / b->l2_read[k] : 0);
		counter(f, "tensor utilization", "util", t,
			b->tensor_ps[k] / ((double)w * rec->nsm));
		counter(f, "CTAs resident", "ctas", t,
			b->resident_ps[k] / (double)w);
	}
	counter(f, "DRAM bandwidth", "GB/s", rec->elapsed, 0);
	counter(f, "L2 bandwidth", "GB/s", rec->elapsed, 0);
	counter(f, "L2 hit rate", "hit", rec->elapsed, 0);
	counter(f, "tensor utilization", "util", rec->elapsed, 0);
	counter(f, "CTAs resident", "ctas", rec->elapsed, 0);
	fputs("\n]}\n", f);
	return out_file_commit(&o, err) == RL_OK ? RL_OK : RL_EIO;
}
