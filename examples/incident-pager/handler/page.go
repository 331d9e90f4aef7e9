package handler

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// Page sends one PagerDuty Events v2 trigger.
func Page(routingKey, summary string) error {
	body, _ := json.Marshal(map[string]any{
		"routing_key":  routingKey,
		"event_action": "trigger",
		"payload": map[string]any{
			"summary":  summary,
			"source":   "kiket",
			"severity": "critical",
		},
	})
	client := http.Client{Timeout: 5 * time.Second}
	res, err := client.Post("https://events.pagerduty.com/v2/enqueue", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	return res.Body.Close()
}
