package rpcerr

// Reasons of the follow-up methods.
const (
	ReasonFollowUpNotFound  = "FOLLOW_UP_NOT_FOUND"
	ReasonFollowUpCompleted = "FOLLOW_UP_COMPLETED"
)
