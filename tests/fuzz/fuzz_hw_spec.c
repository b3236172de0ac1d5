/*
 * fuzz_hw_spec.c — libFuzzer target: hw_spec_parse() on any text. Beyond
 * no crash and one printable line per refusal: an accepted spec prints
 * (hw_spec_to_json) to a text that parses again — sweeps and the journal
 * fingerprint rely on that round trip.
 *
 * Seeds: the JSON files in hw/. Dictionary: tests/fuzz/json.dict.
 */
#include "config.h"

#include <cjson/cJSON.h>

#include "hw/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RL_ERR_LEN] = "", *text = fuzz_text(data, size), *again;
	struct hw_spec *s = NULL, *r = NULL;
	cJSON *j;
	int rc;

	if (!text)
		return 0;
	rc = hw_spec_parse(text, "fuzz.json", &s, err);
	fuzz_check_status("hw_spec_parse", rc, err);
	if (rc == RL_OK) {
		j = hw_spec_to_json(s);
		again = j ? cJSON_PrintUnformatted(j) : NULL;
		cJSON_Delete(j);
		if (!again)
			FUZZ_FAIL("hw_spec_to_json of an accepted spec failed");
		if (hw_spec_parse(again, "again.json", &r, err) != RL_OK)
			FUZZ_FAIL("an accepted spec does not parse again: %s", err);
		hw_spec_free(r);
		cJSON_free(again);
	}
	hw_spec_free(s);
	free(text);
	return 0;
}
