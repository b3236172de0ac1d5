/* results.c — CSV and JSON forms of result rows (see results.h). */
#include "sim/run/results.h"

#include <cjson/cJSON.h>

void results_csv_header(FILE *f)
{
	results_csv_header_fields(f);
	fputc('\n', f);
}

void results_csv_header_fields(FILE *f)
{
	fputs("hw,model,op,q,batch,m,n,k,dtype,flops,bytes_min,bytes_hbm,oi,"
	      "time_us,roofline_time_us,tflops,hbm_gbps,roofline_tflops,"
	      "frac_of_roofline,bound,l2_hit_rate,tensor_util,hbm_util,waves,"
	      "tile,split_k,"
	      /* appended after the fixed 26, in results.json's order */
	      "bytes_hbm_read,bytes_hbm_write,l2_util,ctas,events,"
	      "roofline_bound,clock_mhz,"
	      /* 34-41: the critical-path parts (sim/gpu/attrib.h) */
	      "time_fixed_us,time_fill_us,time_tensor_us,time_dram_us,"
	      "time_l2_us,time_port_us,time_tail_us,time_splitk_us,"
	      /* 42-44: the layer's keys (models/layer.h) */
	      "kv_len,tp,layers", f);
}

void results_csv_row(FILE *f, const struct result_row *r)
{
	results_csv_fields(f, r);
	fputc('\n', f);
}

void results_csv_fields(FILE *f, const struct result_row *r)
{
	const struct gpu_result *s = &r->sim;
	double frac = r->roof.time_us / s->time_us;

	fprintf(f, "%s,%s,%s,%d,%d,%llu,%llu,%llu,%s,%.0f,%.0f,%.0f,%.4f,"
		"%.4f,%.4f,%.4f,%.2f,%.4f,%.4f,%s,%.4f,%.4f,%.4f,%.3f,%s,%d,"
		"%.0f,%.0f,%.4f,%d,%llu,%s,%.2f",
		r->hw, r->model, r->op, r->q, r->batch,
		(unsigned long long)r->g.m, (unsigned long long)r->g.n,
		(unsigned long long)r->g.k, rl_dtype_name(r->g.dtype),
		r->roof.flops, r->roof.bytes_min, s->bytes_hbm, r->roof.oi,
		s->time_us, r->roof.time_us, s->tflops, s->hbm_gbps,
		r->roof.attainable / 1e12, frac, s->bound, s->l2_hit_rate,
		s->tensor_util, s->hbm_util, s->waves, s->tile, s->split_k,
		s->bytes_hbm_read, s->bytes_hbm_write, s->l2_util, s->ctas,
		(unsigned long long)s->events,
		r->roof.memory_bound ? "memory" : "compute", s->clock_mhz);
	for (int i = 0; i < ATTRIB_NPARTS; i++)
		fprintf(f, ",%.6f", s->part_us[i]);
	fprintf(f, ",%d,%d,%d", r->kv_len, r->tp ? r->tp : 1,
		r->count ? r->count : 1);
}

cJSON *results_row_json(const struct result_row *r)
{
	const struct gpu_result *s = &r->sim;
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "hw", r->hw);
	cJSON_AddStringToObject(j, "model", r->model);
	cJSON_AddStringToObject(j, "op", r->op);
	cJSON_AddNumberToObject(j, "q", r->q);
	cJSON_AddNumberToObject(j, "batch", r->batch);
	cJSON_AddNumberToObject(j, "m", (double)r->g.m);
	cJSON_AddNumberToObject(j, "n", (double)r->g.n);
	cJSON_AddNumberToObject(j, "k", (double)r->g.k);
	cJSON_AddStringToObject(j, "dtype", rl_dtype_name(r->g.dtype));
	cJSON_AddNumberToObject(j, "flops", r->roof.flops);
	cJSON_AddNumberToObject(j, "bytes_min", r->roof.bytes_min);
	cJSON_AddNumberToObject(j, "bytes_hbm", s->bytes_hbm);
	cJSON_AddNumberToObject(j, "oi", r->roof.oi);
	cJSON_AddNumberToObject(j, "time_us", s->time_us);
	cJSON_AddNumberToObject(j, "roofline_time_us", r->roof.time_us);
	cJSON_AddNumberToObject(j, "tflops", s->tflops);
	cJSON_AddNumberToObject(j, "hbm_gbps", s->hbm_gbps);
	cJSON_AddNumberToObject(j, "roofline_tflops", r->roof.attainable / 1e12);
	cJSON_AddNumberToObject(j, "frac_of_roofline",
				r->roof.time_us / s->time_us);
	cJSON_AddStringToObject(j, "bound", s->bound);
	cJSON_AddNumberToObject(j, "l2_hit_rate", s->l2_hit_rate);
	cJSON_AddNumberToObject(j, "tensor_util", s->tensor_util);
	cJSON_AddNumberToObject(j, "hbm_util", s->hbm_util);
	cJSON_AddNumberToObject(j, "waves", s->waves);
	cJSON_AddStringToObject(j, "tile", s->tile);
	cJSON_AddNumberToObject(j, "split_k", s->split_k);
	/* results.csv's columns 27-33 */
	cJSON_AddNumberToObject(j, "bytes_hbm_read", s->bytes_hbm_read);
	cJSON_AddNumberToObject(j, "bytes_hbm_write", s->bytes_hbm_write);
	cJSON_AddNumberToObject(j, "l2_util", s->l2_util);
	cJSON_AddNumberToObject(j, "ctas", s->ctas);
	cJSON_AddNumberToObject(j, "events", (double)s->events);
	cJSON_AddStringToObject(j, "roofline_bound",
				r->roof.memory_bound ? "memory" : "compute");
	cJSON_AddNumberToObject(j, "clock_mhz", s->clock_mhz);
	/* results.csv's columns 34-41 */
	for (int i = 0; i < ATTRIB_NPARTS; i++) {
		char name[32];

		snprintf(name, sizeof name, "time_%s_us", attrib_part_name[i]);
		cJSON_AddNumberToObject(j, name, s->part_us[i]);
	}
	/* results.csv's columns 42-44 */
	cJSON_AddNumberToObject(j, "kv_len", r->kv_len);
	cJSON_AddNumberToObject(j, "tp", r->tp ? r->tp : 1);
	cJSON_AddNumberToObject(j, "layers", r->count ? r->count : 1);
	return j;
}
