;;; EmacsPeers.el --- Emacs as the peer to beat, for bench/Bench-VsEmacs.ps1  -*- lexical-binding: t -*-
;;
;; Run as: emacs --batch -Q -l EmacsPeers.el MODE ARGS...
;;   echo-client PORT COUNT WARMUP  process-send-string 32 bytes, then accept-process-output on that process until
;;                                  32 bytes came back (a filter counts them); WARMUP round trips first, then COUNT
;;                                  timed ones; prints "SECONDS s" on stderr
;;   echo-server                    a server whose filter sends back what it gets; prints "PORT p" on stderr
;;   greet-server                   a server whose :log sends "hi\n" to each new client, then deletes it; "PORT p"
;; The servers serve until killed. Lines go to stderr with `message', which batch Emacs writes at once.

(defun netproc-bench-server (&rest properties)
  "A loopback server with PROPERTIES; says its port, then serves forever."
  (let ((server (apply #'make-network-process
                       :name "bench" :server t :host "127.0.0.1" :service t :family 'ipv4
                       :coding 'binary :noquery t properties)))
    (message "PORT %d" (process-contact server :service))
    (while t (accept-process-output nil 1))))

(defun netproc-bench-echo-client (port count warmup)
  (let* ((got 0)
         (message (make-string 32 ?x))
         (process (make-network-process
                   :name "client" :host "127.0.0.1" :service port :family 'ipv4 :coding 'binary :noquery t
                   :filter (lambda (_process data) (setq got (+ got (length data))))))
         (trips (lambda (n)
                  (dotimes (_ n)
                    (setq got 0)
                    (process-send-string process message)
                    (while (< got 32)
                      (unless (accept-process-output process 1)
                        (unless (process-live-p process) (error "The echo server closed")))))))
         start)
    (funcall trips warmup)
    (setq start (float-time))
    (funcall trips count)
    (message "SECONDS %.6f" (- (float-time) start))
    (delete-process process)))

(let ((mode (pop command-line-args-left)))
  (pcase mode
    ("echo-client"
     (let ((port (string-to-number (pop command-line-args-left)))
           (count (string-to-number (pop command-line-args-left)))
           (warmup (string-to-number (pop command-line-args-left))))
       (netproc-bench-echo-client port count warmup)))
    ("echo-server"
     (netproc-bench-server :filter (lambda (process data) (process-send-string process data))))
    ("greet-server"
     (netproc-bench-server :log (lambda (_server client _message)
                                  (process-send-string client "hi\n")
                                  (delete-process client))))
    (_ (error "Unknown mode %S" mode))))
