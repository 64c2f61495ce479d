package rpcerr

// Reasons of the follow-up methods.
const (
	ReasonFollowUpNotFound  = "FOLLOW_UP_NOT_FOUND"
	ReasonFollowUpCompleted = "FOLLOW_UP_COMPLETED"
	// ReasonFollowUpChannelRequired: completing a follow-up with no channel
	// needs the channel used.
	ReasonFollowUpChannelRequired = "FOLLOW_UP_CHANNEL_REQUIRED"
)
