/*
 * fuzz_model_spec.c — libFuzzer target: model_spec_parse() on any text;
 * an accepted model prints (model_spec_to_json) to a text that parses
 * again, and each of its MLP GEMMs has positive dimensions.
 *
 * Seeds: the JSON files in models/. Dictionary: tests/fuzz/json.dict.
 */
#include "config.h"

#include <cjson/cJSON.h>

#include "models/gemm.h"
#include "models/model.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RL_ERR_LEN] = "", *text = fuzz_text(data, size), *again;
	struct model_spec *m = NULL, *r = NULL;
	cJSON *j;
	int rc;

	if (!text)
		return 0;
	rc = model_spec_parse(text, "fuzz.json", &m, err);
	fuzz_check_status("model_spec_parse", rc, err);
	if (rc == RL_OK) {
		for (int op = 0; op < model_mlp_nops(m); op++) {
			struct gemm g;

			model_mlp_gemm(m, op, 7, &g);
			if (g.m != 7 || g.n == 0 || g.k == 0)
				FUZZ_FAIL("op %d: GEMM %llux%llux%llu", op,
					  (unsigned long long)g.m,
					  (unsigned long long)g.n,
					  (unsigned long long)g.k);
		}
		j = model_spec_to_json(m);
		again = j ? cJSON_PrintUnformatted(j) : NULL;
		cJSON_Delete(j);
		if (!again)
			FUZZ_FAIL("model_spec_to_json of an accepted model failed");
		if (model_spec_parse(again, "again.json", &r, err) != RL_OK)
			FUZZ_FAIL("an accepted model does not parse again: %s", err);
		model_spec_free(r);
		cJSON_free(again);
	}
	model_spec_free(m);
	free(text);
	return 0;
}
